// What `make test` ran, how long each part took, and what did not run and why (test/run.ts).

export type Status = 'passed' | 'failed' | 'not run' | 'left out' | 'would run'

export interface Entry {
  name: string
  status: Status
  seconds?: number
  why?: string
  /** A failed part's last lines of output, repeated under the table: a CI log is often read from its end. */
  tail?: string[]
  /** What its test runner said failed (the failing tests and their k6 thresholds), which a stack trace pushes out of the tail. */
  failures?: string[]
}

/**
 * The last lines the running part printed (test/parts.ts feeds it what its commands print), so
 * that the closing table can say why a part failed without scrolling back through its output.
 */
export class OutputTail {
  private lines: string[] = []
  private partial = ''
  private readonly keep: number
  /** node:test's closing section (spec reporter): each failing test again, with its error. */
  private inFailures = false
  private failures: string[] = []

  constructor(keep = 12) {
    this.keep = keep
  }

  push(chunk: string | Buffer): void {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are ESC [
    const text = (this.partial + chunk.toString()).replace(/\x1b\[[0-9;]*m/g, '')
    const lines = text.split('\n')
    this.partial = lines.pop() ?? ''
    const kept = lines.filter((line) => line.trim() !== '')
    this.lines.push(...kept)
    this.lines = this.lines.slice(-this.keep)
    for (const line of kept) {
      if (/✖ failing tests:/.test(line)) this.inFailures = true
      else if (this.inFailures && /^\s*✖ |^test at |FAILED threshold|^\s*(AssertionError|Error)\b/.test(line))
        this.failures.push(line.trim())
    }
    this.failures = this.failures.slice(0, 20)
  }

  take(): { tail: string[]; failures: string[] } {
    const lines = [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].slice(-this.keep)
    const failures = this.failures
    this.lines = []
    this.partial = ''
    this.failures = []
    this.inFailures = false
    const cut = (line: string) => (line.length > 240 ? `${line.slice(0, 240)}...` : line)
    return { tail: lines.map(cut), failures: failures.map(cut) }
  }
}

export const outputTail = new OutputTail()

/** A part's result: its exit code, and any test in it that skipped itself (which counts as not run). */
export interface Outcome {
  code: number
  skipped?: string[]
}

/** SKIP=docker,browser: the parts a person chose to leave out. */
export function skipRequest(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
  )
}

const TAGS = ['native', 'docker', 'k8s', 'browser', 'k6']

export class Recorder {
  readonly entries: Entry[] = []
  readonly ci: boolean
  readonly skip: Set<string>
  plan = false

  constructor(ci: boolean, skip: Set<string>) {
    this.ci = ci
    this.skip = skip
    const unknown = [...skip].filter((tag) => !TAGS.includes(tag))
    if (unknown.length > 0)
      throw new Error(
        `SKIP=${[...skip].join(',')}: unknown ${unknown.join(', ')} (one of ${TAGS.join(', ')})`,
      )
  }

  /**
   * Runs one part unless a tag of it was left out (SKIP) or `missing` names what it needs and lacks;
   * records the outcome and its time. True when it ran and passed.
   */
  async step(
    name: string,
    tags: string[],
    run: () => Promise<number | Outcome>,
    missing?: () => string | undefined | Promise<string | undefined>,
  ): Promise<boolean> {
    const leftOut = tags.find((tag) => this.skip.has(tag))
    const lacking = leftOut ? undefined : await missing?.()
    if (leftOut || lacking || this.plan) {
      if (leftOut) this.entries.push({ name, status: 'left out', why: `SKIP=${leftOut}` })
      else if (lacking) this.entries.push({ name, status: 'not run', why: lacking })
      else this.entries.push({ name, status: 'would run' })
      return this.plan && !leftOut && !lacking
    }
    console.log(`\n== test: ${name}`)
    outputTail.take()
    const started = performance.now()
    const result = await run()
    const { code, skipped = [] } = typeof result === 'number' ? { code: result } : result
    const seconds = (performance.now() - started) / 1000
    console.log(
      `== test: ${name}: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${seconds.toFixed(0)} s`,
    )
    if (code !== 0)
      this.entries.push({ name, status: 'failed', seconds, why: `exit ${code}`, ...outputTail.take() })
    else if (skipped.length > 0) {
      this.entries.push({
        name,
        status: 'not run',
        seconds,
        why: `tests skipped themselves: ${skipped.join('; ')}`,
      })
    } else this.entries.push({ name, status: 'passed', seconds })
    return code === 0 && skipped.length === 0
  }

  /** Records parts that cannot run because an earlier one did not (the stack never came up, say). */
  async blocked(names: string[], tags: string[], why: string): Promise<void> {
    for (const name of names)
      await this.step(
        name,
        tags,
        async () => 1,
        () => why,
      )
  }

  /** Prints the table and returns the exit code: any failure, any part not run, any left out under CI. */
  finish(): number {
    const rows = this.entries.map((e) => [
      e.name,
      e.status,
      e.seconds === undefined ? '' : `${e.seconds.toFixed(0)} s`,
      e.why ?? '',
    ])
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
    const total = this.entries.reduce((sum, e) => sum + (e.seconds ?? 0), 0)
    console.log(`\nmake test${this.plan ? ' (plan)' : ''}: ${(total / 60).toFixed(1)} min in all`)
    for (const row of rows) {
      console.log(
        `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ')}`.trimEnd(),
      )
    }
    const failed = this.entries.filter((e) => e.status === 'failed')
    const notRun = this.entries.filter((e) => e.status === 'not run')
    const leftOut = this.entries.filter((e) => e.status === 'left out')
    const problems = [
      ...failed.map((e) => `${e.name} failed`),
      ...notRun.map((e) => `${e.name} did not run: ${e.why}`),
      ...(this.ci
        ? leftOut.map((e) => `${e.name} was left out (${e.why}), which CI=true does not allow`)
        : []),
    ]
    if (problems.length === 0) {
      if (leftOut.length > 0) console.log(`left out as asked: ${leftOut.map((e) => e.name).join(', ')}`)
      return 0
    }
    const quote = (lines: string[]) => lines.map((line) => `  | ${line}`).join('\n')
    for (const e of failed) {
      if (e.failures?.length) console.log(`\n${e.name}: what its tests said failed\n${quote(e.failures)}`)
      if (e.tail?.length) console.log(`\n${e.name}: the last lines it printed\n${quote(e.tail)}`)
    }
    console.log(`\nmake test did not pass:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    if (notRun.length > 0 && !this.ci) {
      console.log(
        '  (to leave a part out on purpose: make test SKIP=docker, SKIP=k8s, SKIP=browser or SKIP=k6)',
      )
    }
    return 1
  }
}
