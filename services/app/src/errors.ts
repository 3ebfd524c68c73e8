/**
 * A dependency (Redis, a Postgres server) could not answer in time. The error handler turns it
 * into a 503 whose message names the dependency: that is useful to a client and leaks nothing.
 */
export class DependencyUnavailable extends Error {
  readonly statusCode = 503
  readonly dependency: string
  constructor(dependency: string, cause: unknown) {
    super(`${dependency} unavailable`, { cause })
    this.name = 'DependencyUnavailable'
    this.dependency = dependency
  }
}

/** Too much work already: shed with a 503 and Retry-After (nginx neither retries nor penalises 503). */
export class Overloaded extends Error {
  readonly statusCode = 503
  readonly retryAfterSeconds = 1
}

/** True for errors that mean "the server is not there or not answering", not "the query is wrong". */
export function isConnectionError(err: unknown): boolean {
  const { code, message = '' } = err as { code?: string; message?: string }
  // Postgres SQLSTATE class 08 (connection exception), 57P01-03 (shutting down / starting up).
  if (code && (/^08/.test(code) || /^57P0[123]$/.test(code))) return true
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true
  return /timeout|terminated|Connection ended|not writeable|Connection is closed/i.test(message)
}

/** An error the error handler answers as `{ error, message }` with this status. */
export function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode })
}

/**
 * A write whose COMMIT was sent but never acknowledged: it may or may not have been applied.
 * Answered 504 with `code: "outcome_unknown"` (README, "What an error means"); a retry with the
 * same Idempotency-Key is safe either way. Never a 503, which promises that nothing was written.
 */
export class OutcomeUnknown extends Error {
  readonly statusCode = 504
  readonly code = 'outcome_unknown'
  constructor(dependency: string, cause: unknown) {
    super(
      `${dependency} did not confirm the write: it may or may not have been applied; retry with the same Idempotency-Key`,
      { cause },
    )
    this.name = 'OutcomeUnknown'
  }
}
