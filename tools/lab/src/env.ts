import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot, stateRoot } from './paths.ts'
import { declaredDefaults } from './sets/declared.ts'

/** The strategies: a file each in nginx/strategies/, which the upstream includes by name. */
export const STRATEGIES: readonly string[] = readdirSync(join(repoRoot, 'nginx/strategies'))
  .filter((file) => file.endsWith('.conf'))
  .map((file) => file.slice(0, -'.conf'.length))
  .sort()

/** Parses KEY=VALUE lines (comments, blank lines, optional quotes), as Compose reads .env files. */
export function parseEnvFile(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>()
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (!match) throw new Error(`${file}:${index + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`)
    const [, key, value = ''] = match
    out.set(key as string, value.replace(/^(["'])(.*)\1$/, '$2'))
  })
  return out
}

export class LabEnv {
  readonly values: ReadonlyMap<string, string>
  constructor(values: Map<string, string>) {
    this.values = values
  }

  get(key: string): string {
    const value = this.values.get(key)
    if (value === undefined || value === '') throw new Error(`${key} is not set (see .env.example)`)
    return value
  }

  /** A comma-separated list; empty when unset. */
  list(key: string): string[] {
    return (this.values.get(key) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
  }

  /** A value that must be one of `choices`. */
  oneOf<T extends string>(key: string, choices: readonly T[]): T {
    const value = this.get(key)
    if (!choices.includes(value as T)) throw new Error(`${key}=${value} is not one of ${choices.join(', ')}`)
    return value as T
  }

  port(key: string): number {
    const value = this.get(key)
    const port = Number(value)
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${key}=${value} is not a port number`)
    return port
  }

  strategy(): string {
    const value = this.get('LB_STRATEGY')
    if (!STRATEGIES.includes(value)) {
      throw new Error(`LB_STRATEGY=${value} is not one of ${STRATEGIES.join(', ')} (nginx/strategies/)`)
    }
    return value
  }

  /** A duration as nginx writes it (500ms, 2s, 1m), in milliseconds. */
  ms(key: string): number {
    const value = this.get(key)
    const match = /^(\d+)(ms|s|m)?$/.exec(value)
    if (!match) throw new Error(`${key}=${value} is not a duration (e.g. 500ms, 2s)`)
    const unit = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'] ?? 1000
    return Number(match[1]) * unit
  }

  /**
   * Timeouts that only make sense together. Whatever a replica waits for must end before nginx's
   * read timeout: else nginx gives up first, retries elsewhere and counts the replica as failed,
   * and a slow dependency or overload spreads from replica to replica instead of being answered.
   */
  checkTimeouts(): void {
    const read = this.ms('UPSTREAM_READ_TIMEOUT')
    const n = (name: string) => Number(this.get(name))
    const sums: Array<[string, number, string]> = [
      [
        'WORK_QUEUE_TIMEOUT_MS + WORK_MAX_MS',
        n('WORK_QUEUE_TIMEOUT_MS') + n('WORK_MAX_MS'),
        'a queued request would outlast nginx',
      ],
      [
        'REQUEST_DEADLINE_MS + DEPENDENCY_TIMEOUT_MS',
        n('REQUEST_DEADLINE_MS') + n('DEPENDENCY_TIMEOUT_MS'),
        "a request's dependency waits and its session save would outlast nginx",
      ],
    ]
    for (const [names, worst, why] of sums) {
      if (worst >= read) {
        throw new Error(
          `${names} (${worst} ms) must stay under UPSTREAM_READ_TIMEOUT (${read} ms): ${why}, ` +
            'which would then count the replica as failed',
        )
      }
    }
    // A stopping replica leaves closing its idle connections to nginx for 2 s (the TypeScript
    // replica's IDLE_LINGER_MS, a Gunicorn worker's STOP_KEEPALIVE_LINGER), or its whole
    // SHUTDOWN_TIMEOUT_MS if that is shorter: nginx must have closed them by then.
    const idle = this.ms('UPSTREAM_KEEPALIVE_TIMEOUT')
    const limit = Math.min(2000, n('SHUTDOWN_TIMEOUT_MS'))
    if (idle >= limit) {
      throw new Error(
        `UPSTREAM_KEEPALIVE_TIMEOUT (${idle} ms) must stay under ${limit} ms (how long a stopping replica ` +
          'leaves idle connections to nginx): it would close one nginx may be sending a request on',
      )
    }
  }

  /** One weight per replica: LB_WEIGHTS under `weighted`, equal otherwise (nginx honours weights in every method). */
  weights(count: number): number[] {
    if (this.strategy() !== 'weighted') return Array(count).fill(1)
    const weights = this.get('LB_WEIGHTS')
      .split(',')
      .map((w) => Number(w.trim()))
    if (weights.length !== count || weights.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new Error(`LB_WEIGHTS=${this.get('LB_WEIGHTS')} must be ${count} positive integers, e.g. 5,3,2`)
    }
    return weights
  }
}

/** The replica counts `make scale` set on the native stack, kept until `make reset`. */
export const scaleFile = () => join(stateRoot, 'scale.env')

/**
 * .env.example gives every name and its default; .env (optional) overrides; then the replica
 * counts `make scale` chose; the process environment overrides all, but only for names
 * .env.example declares.
 */
/** What .env.example documents, without this checkout's .env. */
export function exampleEnv(): Map<string, string> {
  const examplePath = join(repoRoot, '.env.example')
  return parseEnvFile(readFileSync(examplePath, 'utf8'), examplePath)
}

export function loadLabEnv(env: NodeJS.ProcessEnv = process.env): LabEnv {
  // A declared set's own variables (GO_REPLICAS...) default to its declaration (sets/).
  const values = new Map([...exampleEnv(), ...declaredDefaults()])
  for (const path of [join(repoRoot, '.env'), scaleFile()]) {
    if (!existsSync(path)) continue
    for (const [key, value] of parseEnvFile(readFileSync(path, 'utf8'), path)) values.set(key, value)
  }
  for (const key of values.keys()) {
    const value = env[key]
    if (value !== undefined && value !== '') values.set(key, value)
  }
  return new LabEnv(values)
}
