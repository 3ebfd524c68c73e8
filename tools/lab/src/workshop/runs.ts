// What `make traffic` saw, written down run by run (the state folder's workshop/runs.jsonl), and
// the console's view of the balancer at the time: the evidence a lesson's checkpoint reads.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:https'
import { join } from 'node:path'
import type { LabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import { devCertificate, stateRoot } from '../paths.ts'

export const WORKSHOP_DIR = join(stateRoot, 'workshop')
const RUNS = join(WORKSHOP_DIR, 'runs.jsonl')
/** Older runs are dropped past this many: a day of lessons, not a log. */
const KEEP = 500

export interface Answer {
  /** 0: no answer at all (refused, reset, timed out). */
  status: number
  replica: string | null
  ms: number
  /** POST /api/visits in a session: the count the replica answered. */
  visits?: number
  error?: string
}

export interface Run {
  at: number
  seconds: number
  path: string
  method: string
  n: number
  c: number
  rate: number
  session: boolean
  /** The balancer's strategy and each replica's state as the console saw them as the run began. */
  strategy: string | null
  replicas: Record<string, string>
  answers: Answer[]
}

export interface BalancerView {
  strategy: string | null
  /** Replica name → serving, down, paused, ... (the console's words). */
  replicas: Record<string, string>
}

/** The console's snapshot (through the balancer, over TLS with the lab's certificate); empty when it does not answer. */
export function balancerNow(env: LabEnv, mode: Mode): Promise<BalancerView> {
  const none: BalancerView = { strategy: null, replicas: {} }
  const url = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}/console/api/state`
  let ca: Buffer
  try {
    ca = readFileSync(devCertificate(mode))
  } catch {
    return Promise.resolve(none)
  }
  return new Promise((resolve) => {
    const request = get(url, { ca, timeout: 3000 }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => {
        text += chunk
      })
      response.on('end', () => {
        try {
          const state = JSON.parse(text) as {
            strategy: string | null
            sets: Array<{ replicas: Array<{ name: string; state: string }> }>
          }
          const replicas = Object.fromEntries(
            state.sets.flatMap((set) => set.replicas.map((r) => [r.name, r.state] as const)),
          )
          resolve({ strategy: state.strategy, replicas })
        } catch {
          resolve(none)
        }
      })
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(none))
  })
}

export function recordRun(run: Run): void {
  mkdirSync(WORKSHOP_DIR, { recursive: true })
  appendFileSync(RUNS, `${JSON.stringify(run)}\n`)
  const lines = readFileSync(RUNS, 'utf8').trimEnd().split('\n')
  if (lines.length > KEEP) writeFileSync(RUNS, `${lines.slice(-KEEP).join('\n')}\n`)
}

/** The runs that began at or after `since` (ms), oldest first. */
export function runsSince(since: number): Run[] {
  if (!existsSync(RUNS)) return []
  return readFileSync(RUNS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Run)
    .filter((run) => run.at >= since)
}

/** Per replica: its share of the answers, their statuses and times. */
export function perReplica(
  run: Run,
): Map<string, { count: number; share: number; p50: number; p95: number; failed: number }> {
  const groups = new Map<string, Answer[]>()
  for (const answer of run.answers) {
    const key = answer.replica ?? '(no replica)'
    groups.set(key, [...(groups.get(key) ?? []), answer])
  }
  const out = new Map<string, { count: number; share: number; p50: number; p95: number; failed: number }>()
  for (const [replica, answers] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b)
    const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0
    out.set(replica, {
      count: answers.length,
      share: answers.length / run.answers.length,
      p50: at(0.5),
      p95: at(0.95),
      failed: answers.filter(failed).length,
    })
  }
  return out
}

/** A failed request, as its client sees it: no answer, or a 5xx. */
export const failed = (answer: Answer): boolean => answer.status === 0 || answer.status >= 500

/** The run, as `make traffic` prints it. */
export function describeRun(run: Run): string {
  const statuses = new Map<string, number>()
  for (const { status } of run.answers) {
    const key = status === 0 ? 'no answer' : String(status)
    statuses.set(key, (statuses.get(key) ?? 0) + 1)
  }
  const lines = [
    `${run.answers.length} × ${run.method} ${run.path} in ${run.seconds.toFixed(1)} s (strategy ${run.strategy ?? 'unknown'}): ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}`,
  ]
  for (const [replica, r] of perReplica(run))
    lines.push(
      `  ${replica.padEnd(12)} ${String(Math.round(r.share * 100)).padStart(3)}%  ${String(r.count).padStart(5)} answers  p50 ${r.p50} ms  p95 ${r.p95} ms${r.failed ? `  ${r.failed} failed` : ''}`,
    )
  const visits = run.answers.map((a) => a.visits).filter((v) => v !== undefined)
  if (visits.length) {
    const resets = visits.filter((v, i) => i > 0 && (v as number) <= (visits[i - 1] as number)).length
    lines.push(
      `  visits counted: ${visits.join(' ')}${resets ? `  (the count was lost ${resets} times)` : ''}`,
    )
  }
  return lines.join('\n')
}
