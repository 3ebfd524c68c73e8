// The workshop's lessons: each a folder lessons/NN-name/ with its page (README.md) and its
// checkpoint (check.ts), found by a glob, so a new lesson touches no other file. The page is the
// one source of its steps: the shell blocks under "## Steps" are what a student types and what
// make test runs; "## Put it back" returns the stack to where the next lesson starts.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { LabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import { repoRoot } from '../paths.ts'
import { replicasOf } from '../topology.ts'
import { replicaStarts } from './prometheus.ts'
import { type BalancerView, balancerNow, type Run, runsSince, WORKSHOP_DIR } from './runs.ts'

export const LESSONS_DIR = join(repoRoot, 'lessons')
const CURRENT = join(WORKSHOP_DIR, 'lesson.json')

export interface Lesson {
  n: number
  folder: string
  title: string
  page: string
}

/** What a checkpoint is given: the student's traffic since the lesson began, and the live stack. */
export interface Evidence {
  env: LabEnv
  mode: Mode
  /** `make traffic` runs since `make lesson n=` for this lesson, oldest first. */
  runs: Run[]
  /** The console's view now: the strategy, each replica's state. */
  balancer(): Promise<BalancerView>
  /** The replicas of a set the stack is meant to run (app1..app3). */
  replicas(set: 'app' | 'py'): string[]
  /** When each replica of a set (re)started since the lesson began, as Prometheus saw it (ms). */
  starts(set: 'app' | 'py'): Promise<Map<string, number[]>>
}

export interface Checkpoint {
  /** What the checkpoint looks for, in a sentence the page repeats. */
  expects: string
  /** Resolves with what it saw; throws NotYet saying what is missing. */
  verify(evidence: Evidence): Promise<string>
}

/** A checkpoint not reached: the message says what the student has not yet done or seen. */
export class NotYet extends Error {}

export function lessons(): Lesson[] {
  if (!existsSync(LESSONS_DIR)) return []
  return readdirSync(LESSONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-[a-z0-9-]+$/.test(entry.name))
    .map((entry) => {
      const folder = join(LESSONS_DIR, entry.name)
      for (const file of ['README.md', 'check.ts'])
        if (!existsSync(join(folder, file)))
          throw new Error(`lessons/${entry.name}: no ${file} (lessons/README.md)`)
      const page = readFileSync(join(folder, 'README.md'), 'utf8')
      const title = /^# (.+)$/m.exec(page)?.[1] ?? entry.name
      return { n: Number(entry.name.slice(0, 2)), folder, title, page }
    })
    .sort((a, b) => a.n - b.n)
}

export function lesson(n: string | undefined): Lesson {
  const all = lessons()
  const found = all.find((l) => l.n === Number(n))
  if (!found)
    throw new Error(
      `lesson n=${n ?? ''}: the lessons are ${all.map((l) => l.n).join(', ')} (make lesson lists them)`,
    )
  return found
}

/** The shell blocks of one section of a page (## Steps, ## Put it back), in order. */
export function shellBlocks(page: string, section: string): string[] {
  const start = page.indexOf(`\n## ${section}\n`)
  if (start < 0) return []
  const end = page.indexOf('\n## ', start + 1)
  const body = page.slice(start, end < 0 ? undefined : end)
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim())
}

interface Current {
  n: number
  startedAt: number
  check?: { passed: boolean; said: string; at: number }
}

const readCurrent = (): Current | undefined =>
  existsSync(CURRENT) ? (JSON.parse(readFileSync(CURRENT, 'utf8')) as Current) : undefined

function writeCurrent(current: Current): void {
  mkdirSync(WORKSHOP_DIR, { recursive: true })
  writeFileSync(CURRENT, `${JSON.stringify(current)}\n`)
}

/** `make lesson n=N`: the page, and from now on the lesson in progress (its evidence starts here). */
export function startLesson(n: string): string {
  const found = lesson(n)
  writeCurrent({ n: found.n, startedAt: Date.now() })
  return found.page
}

/** The lesson in progress, for `make check` without n. */
export function currentLesson(): string {
  const current = readCurrent()
  if (!current) throw new Error('check: no lesson in progress (make lesson n=1 begins the first)')
  return String(current.n)
}

export function listLessons(): string {
  const current = readCurrent()
  const rows = lessons().map((l) => {
    const mark =
      current?.n === l.n ? (current.check?.passed ? '  ✓ checkpoint reached' : '  ← in progress') : ''
    return `  ${String(l.n).padStart(2)}  ${l.title}${mark}`
  })
  return `The workshop (lessons/README.md): make lesson n=1 to begin.\n${rows.join('\n')}`
}

/** `make check n=N`: the lesson's checkpoint against the live stack and the traffic since it began. */
export async function checkLesson(
  env: LabEnv,
  mode: Mode,
  n: string,
): Promise<{ passed: boolean; said: string }> {
  const found = lesson(n)
  const current = readCurrent()
  if (current?.n !== found.n)
    return {
      passed: false,
      said: `not started: make lesson n=${found.n} begins it (its evidence counts from then)`,
    }
  const checkpoint = (await import(pathToFileURL(join(found.folder, 'check.ts')).href)).default as Checkpoint
  const evidence: Evidence = {
    env,
    mode,
    runs: runsSince(current.startedAt),
    balancer: () => balancerNow(env, mode),
    replicas: (set) => replicasOf(env, set),
    starts: (set) => replicaStarts(env, set, current.startedAt),
  }
  let result: { passed: boolean; said: string }
  try {
    result = { passed: true, said: await checkpoint.verify(evidence) }
  } catch (err) {
    if (!(err instanceof NotYet)) throw err
    result = { passed: false, said: err.message }
  }
  writeCurrent({ ...current, check: { ...result, at: Date.now() } })
  return {
    passed: result.passed,
    said: `${checkpoint.expects}\n${result.passed ? '✓' : '✗ not yet:'} ${result.said}`,
  }
}
