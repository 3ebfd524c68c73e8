// What `make traffic` saw, written down run by run (the state folder's workshop/runs.jsonl), and
// the console's view of the balancer at the time: the evidence a lesson's checkpoint reads.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ENGINES } from '../engines/index.ts'
import type { LabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import { stateRoot } from '../paths.ts'
import { askConsole } from './console.ts'

export const WORKSHOP_DIR = join(stateRoot, 'workshop')
const RUNS = join(WORKSHOP_DIR, 'runs.jsonl')
const CONFORMS = join(WORKSHOP_DIR, 'conform.jsonl')
/** Older runs are dropped past this many: a day of lessons, not a log. */
const KEEP = 500

export interface Answer {
  /** 0: no answer at all (refused, reset, timed out). */
  status: number
  replica: string | null
  /** When it was sent, in ms after the run began. */
  sent?: number
  /** How long the answer took, to a tenth of a millisecond. */
  ms: number
  /** POST /api/visits in a session: the count the replica answered. */
  visits?: number
  /** With visitors: which one sent it (0..visitors-1). */
  visitor?: number
  /** With notes: the status of reading the note back at once (0: no answer). */
  readBack?: number
  /** Without an answer: why, as the client's network stack said it (ECONNRESET, a timeout...). */
  error?: string
  /** Sent again on a new connection after the first was reset before any answer: why. */
  resentAfter?: string
}

export interface Run {
  at: number
  seconds: number
  path: string
  method: string
  n: number
  c: number
  rate: number
  visitors: number
  notes?: boolean
  /** Sent to the balancer's HTTPS port. */
  https?: boolean
  /** The balancer's strategy as the console saw it of the running config as the run began. */
  strategy: string | null
  answers: Answer[]
}

/** The config version the running balancer answers on its health path (`ok <version>`), whichever engine it is. */
async function runningVersion(env: LabEnv): Promise<string | undefined> {
  for (const { healthPath } of Object.values(ENGINES)) {
    const answer = await fetch(`http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}${healthPath}`, {
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined)
    const text = answer?.ok ? await answer.text() : ''
    if (text.startsWith('ok ')) return text.slice(3).trim()
  }
  return undefined
}

/**
 * The balancer's strategy, as the console tells it once its view is of the config the balancer
 * runs: the console re-reads the lab's state each second, so just after `make up LB_STRATEGY=...`
 * it may still tell the last one. Null (unknown) when the two do not agree within a few seconds.
 */
export async function runningStrategy(env: LabEnv, mode: Mode): Promise<string | null> {
  const version = await runningVersion(env)
  for (let tries = 0; tries < 25; tries++) {
    const view = (await askConsole(env, mode, 'state')) as
      | { strategy: string | null; version: string }
      | undefined
    // A console that does not answer: no strategy to tell, and no reason to wait for one.
    if (!view) return null
    if (view.version === version) return view.strategy
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return null
}

function append(file: string, record: { at: number }): void {
  mkdirSync(WORKSHOP_DIR, { recursive: true })
  appendFileSync(file, `${JSON.stringify(record)}\n`)
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
  if (lines.length > KEEP) writeFileSync(file, `${lines.slice(-KEEP).join('\n')}\n`)
}

function since<T extends { at: number }>(file: string, from: number): T[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T)
    .filter((record) => record.at >= from)
}

export const recordRun = (run: Run) => append(RUNS, run)

/** The runs that began at or after `from` (ms), oldest first. */
export const runsSince = (from: number) => since<Run>(RUNS, from)

/** A `make conform` verdict, as a lesson reads it: the set, and each line's verdict. */
export interface ConformRecord {
  at: number
  set: string
  passed: boolean
  lines: Array<{ id: string; verdict: string }>
}

export const recordConform = (record: ConformRecord) => append(CONFORMS, record)
export const conformsSince = (from: number) => since<ConformRecord>(CONFORMS, from)

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

/**
 * The first few failed requests, each as its client saw it and when: what tells a reset
 * connection from a balancer's 502 or a replica's own 503.
 */
export function describeFailures(run: Run, most = 3): string {
  const lost = run.answers.filter(failed)
  const told = lost.slice(0, most).map((a) => {
    const what = a.status
      ? `${a.status} from ${a.replica ?? 'the balancer'}`
      : `no answer (${a.error ?? 'unknown'})`
    return a.sent === undefined ? what : `${what} sent at ${(a.sent / 1000).toFixed(1)} s`
  })
  return `${told.join('; ')}${lost.length > most ? `; and ${lost.length - most} more` : ''}`
}

/** The run, as `make traffic` prints it. */
export function describeRun(run: Run): string {
  const statuses = new Map<string, number>()
  for (const { status } of run.answers) {
    const key = status === 0 ? 'no answer' : String(status)
    statuses.set(key, (statuses.get(key) ?? 0) + 1)
  }
  const lines = [
    `${run.answers.length} × ${run.method} ${run.path}${run.https ? ' (HTTPS)' : ''} in ${run.seconds.toFixed(1)} s (strategy ${run.strategy ?? 'unknown'}): ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}`,
  ]
  for (const [replica, r] of perReplica(run))
    lines.push(
      `  ${replica.padEnd(12)} ${String(Math.round(r.share * 100)).padStart(3)}%  ${String(r.count).padStart(5)} answers  p50 ${r.p50} ms  p95 ${r.p95} ms${r.failed ? `  ${r.failed} failed` : ''}`,
    )
  if (run.answers.some(failed)) lines.push(`  failed: ${describeFailures(run)}`)
  const resent = run.answers.filter((a) => a.resentAfter)
  if (resent.length)
    lines.push(
      `  sent again on a new connection: ${resent.length} (${resent[0]?.resentAfter} at ${((resent[0]?.sent ?? 0) / 1000).toFixed(1)} s: a kept-alive connection the balancer closed, as a reload does)`,
    )
  if (run.notes) {
    const written = run.answers.filter((a) => a.readBack !== undefined)
    const missed = written.filter((a) => a.readBack !== 200)
    lines.push(`  notes written: ${written.length}; read back at once and not found: ${missed.length}`)
  }
  if (run.visitors === 1) {
    const visits = run.answers.map((a) => a.visits ?? '-')
    const lost = lostVisits(run.answers)
    lines.push(`  visits counted: ${visits.join(' ')}${lost ? `  (the count was lost ${lost} times)` : ''}`)
  } else if (run.visitors > 1) {
    const seen = visitorsReplicas(run)
    const one = [...seen.values()].filter((replicas) => replicas.size === 1).length
    const lost = [...Array(run.visitors).keys()].filter(
      (v) => lostVisits(run.answers.filter((a) => a.visitor === v)) > 0,
    )
    lines.push(
      `  ${run.visitors} visitors: ${one} served by one replica only, ${run.visitors - one} by several; ${lost.length} lost their count`,
    )
  }
  return lines.join('\n')
}

/** One visitor's answers the replicas did not count on from the last: an error, or a count that did not grow by one. */
export function lostVisits(answers: Answer[]): number {
  let previous = 0
  let lost = 0
  for (const answer of answers) {
    if (answer.visits === undefined || answer.visits !== previous + 1) lost++
    previous = answer.visits ?? 0
  }
  return lost
}

/** Per visitor, the replicas that answered it. */
export function visitorsReplicas(run: Run): Map<number, Set<string | null>> {
  const seen = new Map<number, Set<string | null>>()
  for (const { visitor, replica } of run.answers)
    if (visitor !== undefined) seen.set(visitor, (seen.get(visitor) ?? new Set()).add(replica))
  return seen
}
