// What every native service is (the Service interface) and the helpers their definitions share.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { run } from '../../../probes.ts'
import { which } from '../../../system.ts'
import type { SpawnSpec } from '../procs.ts'

/** A failure that belongs to one service: the CLI prints it with that service's log. */
export class ServiceError extends Error {
  readonly service: string
  constructor(service: string, message: string) {
    super(message)
    this.service = service
  }
}

export interface Service {
  name: string
  dependsOn: string[]
  /** The port it is known by (shown by `ps`); none for the log-keeper. */
  port?: number
  /** Every port it listens on, checked to be free before it starts (default: `port`). */
  ports?: number[]
  /** Binaries it needs (see PACKAGES in system.ts). */
  binaries: string[]
  /** What `stop` sends; the official images' STOPSIGNAL where they set one. */
  stopSignal: NodeJS.Signals
  stopTimeoutMs: number
  startTimeoutMs: number
  /** Creates data directories, bootstraps, renders config; true when a rendered config changed. */
  prepare?(): Promise<boolean>
  command(): SpawnSpec
  healthy(): Promise<boolean>
  /**
   * Brings a healthy service's contents to what this checkout expects (the primary's roles, slot
   * and schema migrations); runs on every `up`, whether the service was just started or not.
   */
  converge?(): Promise<void>
  /** Where its data lives, for a service that has any worth naming (`reclone` deletes it). */
  dataDir?: string
  /** For a service already running: applies a changed config (re-rendered by prepare) in place. */
  reload?(pid: number): Promise<void>
  url?: string
}

export function ensureDir(path: string, owner?: { uid: number; gid: number }, mode = 0o755): string {
  mkdirSync(path, { recursive: true, mode })
  if (owner) chownSync(path, owner.uid, owner.gid)
  chmodSync(path, mode)
  return path
}

/** Writes a file only when its content changes; true when it did. */
export function writeIfChanged(path: string, content: string, mode = 0o644): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false
  writeFileSync(`${path}.new`, content, { mode })
  renameSync(`${path}.new`, path)
  return true
}

export function bin(name: string): string {
  const path = which(name)
  if (!path) throw new Error(`${name} not found`)
  return path
}

export async function runChecked(
  service: string,
  what: string,
  ...args: Parameters<typeof run>
): Promise<string> {
  const { code, output } = await run(...args)
  if (code !== 0) throw new ServiceError(service, `${what} failed (exit ${code}):\n${output.trim()}`)
  return output
}
