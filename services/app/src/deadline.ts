/**
 * How long a request may still wait on its dependencies. nginx gives a replica
 * UPSTREAM_READ_TIMEOUT to answer and counts a later answer as the replica failing; so the
 * waits of one request (a session read, a connect, each query, a session save) share one budget
 * instead of each having its own timeout and adding up past nginx's. The lab checks that
 * REQUEST_DEADLINE_MS plus one last session save fits under UPSTREAM_READ_TIMEOUT.
 */
export class Deadline {
  readonly #at: number

  constructor(budgetMs: number, startedAt = performance.now()) {
    this.#at = startedAt + budgetMs
  }

  /** Milliseconds left, never negative. */
  left(): number {
    return Math.max(0, Math.floor(this.#at - performance.now()))
  }

  /** Whether a wait of up to `ms` can still start and end in time. */
  fits(ms: number): boolean {
    return this.left() >= ms
  }

  /** A timeout for the next wait: at most `ms`, at most what is left; throws when nothing is. */
  clamp(ms: number): number {
    const left = this.left()
    if (left < 1) throw new DeadlinePassed()
    return Math.min(ms, left)
  }
}

/** Thrown before a wait starts, never during one: nothing was sent. Says "timeout", so callers
 * treat it as the dependency not answering in time. */
export class DeadlinePassed extends Error {
  override name = 'DeadlinePassed'
  constructor() {
    super('timeout: the request deadline has passed')
  }
}
