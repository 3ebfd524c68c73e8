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
import { askConsole } from './console.ts'
import { type PrometheusQueries, prometheusQueries, replicaStarts } from './prometheus.ts'
import { type ConformRecord, conformsSince, type Run, runsSince, WORKSHOP_DIR } from './runs.ts'

export const LESSONS_DIR = join(repoRoot, 'lessons')
const PROGRESS = join(WORKSHOP_DIR, 'progress.json')

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
  /** When `make lesson n=` began this lesson (ms): the evidence counts from then. */
  since: number
  /** `make traffic` runs since then (until the next lesson began), oldest first. */
  runs: Run[]
  /** `make conform` verdicts since then, oldest first. */
  conforms: ConformRecord[]
  /** The lab's Prometheus. */
  prometheus: PrometheusQueries
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
  /**
   * The other run modes whose own verbs its steps cross (a container killed, paused, scaled, the
   * balancer re-rendered by Compose): `make test` types its page there too. Native always.
   */
  alsoIn?: Mode[]
}

/** A lesson's checkpoint, as its folder's check.ts exports it. */
export async function checkpointOf(lesson: Lesson): Promise<Checkpoint> {
  return (await import(pathToFileURL(join(lesson.folder, 'check.ts')).href)).default as Checkpoint
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

/** Each lesson begun on this stack, when, and its checkpoint's last verdict; the one in progress. */
interface Progress {
  current?: number
  lessons: Record<string, { startedAt: number; check?: { passed: boolean; said: string; at: number } }>
}

function readProgress(): Progress {
  try {
    return JSON.parse(readFileSync(PROGRESS, 'utf8')) as Progress
  } catch {
    return { lessons: {} }
  }
}

function writeProgress(progress: Progress): void {
  mkdirSync(WORKSHOP_DIR, { recursive: true })
  writeFileSync(PROGRESS, `${JSON.stringify(progress)}\n`)
}

/** `make lesson n=N`: the page, and from now on the lesson in progress (its evidence starts here). */
export async function startLesson(env: LabEnv, mode: Mode, n: string): Promise<string> {
  const found = lesson(n)
  const progress = readProgress()
  const startedAt = Date.now()
  writeProgress({ current: found.n, lessons: { ...progress.lessons, [found.n]: { startedAt } } })
  await askConsole(env, mode, 'lesson', { n: found.n, title: found.title, startedAt, check: null })
  return found.page
}

/** The lesson in progress, for `make check` without n. */
export function currentLesson(): string {
  const { current } = readProgress()
  if (current === undefined)
    throw new Error('check: no lesson in progress (make lesson n=1 begins the first)')
  return String(current)
}

export function listLessons(): string {
  const progress = readProgress()
  const rows = lessons().map((l) => {
    const state = progress.lessons[l.n]
    const mark = state?.check?.passed
      ? '  ✓ checkpoint reached'
      : progress.current === l.n
        ? '  ← in progress'
        : state
          ? '  begun'
          : ''
    return `  ${String(l.n).padStart(2)}  ${l.title}${mark}`
  })
  return `The workshop (lessons/README.md): make lesson n=1 to begin.\n${rows.join('\n')}`
}

/** A checkpoint's verdict: what it looks for, whether it was reached, and what it saw or misses. */
export interface Verdict {
  passed: boolean
  expects: string
  said: string
}

/** `make check n=N`: the lesson's checkpoint against the live stack and the traffic since it began. */
export async function checkLesson(env: LabEnv, mode: Mode, n: string): Promise<Verdict> {
  const found = lesson(n)
  const checkpoint = await checkpointOf(found)
  const progress = readProgress()
  const begun = progress.lessons[found.n]
  if (!begun)
    return {
      passed: false,
      expects: checkpoint.expects,
      said: `not begun: make lesson n=${found.n} begins it (its evidence counts from then)`,
    }
  // A lesson's evidence ends where the next lesson begun began: checked later (make check n=all),
  // lesson 4 must not read lesson 8's overload as its own.
  const ended = Math.min(
    ...Object.values(progress.lessons)
      .map(({ startedAt }) => startedAt)
      .filter((at) => at > begun.startedAt),
  )
  const during = <T extends { at: number }>(records: T[]) => records.filter((r) => r.at < ended)
  const prometheus = prometheusQueries(env)
  const evidence: Evidence = {
    env,
    mode,
    since: begun.startedAt,
    runs: during(runsSince(begun.startedAt)),
    conforms: during(conformsSince(begun.startedAt)),
    prometheus,
    replicas: (set) => replicasOf(env, set),
    starts: (set) => replicaStarts(prometheus, set, begun.startedAt),
  }
  let result: { passed: boolean; said: string }
  try {
    result = { passed: true, said: await checkpoint.verify(evidence) }
  } catch (err) {
    if (!(err instanceof NotYet)) throw err
    result = { passed: false, said: `not yet: ${err.message}` }
  }
  const latest = readProgress()
  const check = { ...result, at: Date.now() }
  latest.lessons[found.n] = { ...begun, check }
  writeProgress(latest)
  // The room sees the lesson checked, whichever lesson it is.
  await askConsole(env, mode, 'lesson', { n: found.n, title: found.title, startedAt: begun.startedAt, check })
  return { ...result, expects: checkpoint.expects }
}

/** A verdict as `make check n=N` prints it. */
export const describeVerdict = ({ passed, expects, said }: Verdict) =>
  `${expects}\n${passed ? '✓' : '✗'} ${said}`

/**
 * `make check n=all`: every lesson's checkpoint, a line each, for a trainer walking the room (or a
 * student's own record); passed when every lesson begun reached its checkpoint.
 */
export async function checkAll(env: LabEnv, mode: Mode): Promise<{ passed: boolean; said: string }> {
  const begun = readProgress().lessons
  const lines: string[] = []
  let passed = true
  for (const l of lessons()) {
    const number = String(l.n).padStart(2)
    if (!begun[l.n]) {
      lines.push(`  ${number}  –  ${l.title}: not begun`)
      continue
    }
    const verdict = await checkLesson(env, mode, String(l.n))
    passed &&= verdict.passed
    lines.push(`  ${number}  ${verdict.passed ? '✓' : '✗'}  ${l.title}: ${verdict.said}`)
  }
  return { passed, said: lines.join('\n') }
}
