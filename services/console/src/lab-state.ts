import { readFile } from 'node:fs/promises'
import type { ChangedSetting } from './view.ts'

/**
 * What nginx runs, written by the lab's renderer beside nginx's own config each time it renders
 * (tools/lab/src/engines/nginx/config.ts, console.json): the strategy, the replicas and their addresses,
 * the ones drained, the passive-check settings. One source: the console never derives it.
 */
export interface LabState {
  version: string
  /** The tag on nginx's own access log lines (the syslog sender's name): the console counts no others. */
  syslogTag: string
  strategy: string
  drained: string[]
  maxFails: number
  failTimeoutMs: number
  /** What `make up` was told beyond .env.example (tools/lab/src/switches.ts); absent before it was rendered so. */
  changed?: ChangedSetting[]
  /** The object store's address (media), which the console asks whether it answers. */
  objectStore?: string
  sets: Record<string, { label: string; base: string; replicas: Array<{ name: string; address: string }> }>
}

export async function readLabState(file: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LabState
  } catch {
    return undefined // not rendered yet, or being replaced: the next read will have it
  }
}
