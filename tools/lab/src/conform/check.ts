// What `make conform` is made of: checks, each one of the requirements a service must meet before
// it is load-balanced (docs/conform.md), run against a live set through the balancer, each
// answering with a verdict, the evidence, and what to do about a failure.
import type { LabEnv } from '../env.ts'
import type { RunMode } from '../modes/run-mode.ts'
import type { ReplicaSetRow } from '../sets/index.ts'

export type Verdict = 'pass' | 'warn' | 'fail'

export interface Finding {
  verdict: Verdict
  /** What was done and what came back: enough for a person to see why. */
  evidence: string
  /** For a warning or a failure: what the service should do instead. */
  fix?: string
}

/** The live set a check runs against, and the lab's machinery to break it with. */
export interface Target {
  env: LabEnv
  mode: RunMode
  set: ReplicaSetRow
  replicas: string[]
  /** A path of the set's API, through the balancer (its prefix added). */
  api(path: string): string
  /** The balancer's own origin, for URLs a replica answers with (/media/...). */
  origin: string
}

export interface Check {
  /** The line's name in the report and in `--only`. */
  id: string
  requirement: string
  run(target: Target): Promise<Finding>
}

export const pass = (evidence: string): Finding => ({ verdict: 'pass', evidence })
export const warn = (evidence: string, fix: string): Finding => ({ verdict: 'warn', evidence, fix })
export const fail = (evidence: string, fix: string): Finding => ({ verdict: 'fail', evidence, fix })

/**
 * A route the set does not have (404, 405 at the first request): the line cannot be shown, which
 * is a warning, not a failure; a service without uploads has no upload to lose.
 */
export function notOffered(status: number, route: string, what: string): Finding | undefined {
  if (status !== 404 && status !== 405) return undefined
  return warn(
    `${route} answered ${status}: the set has no such route, so ${what} is not shown`,
    `offer ${route} as the replica contract has it (docs/conform.md, What a set must offer), or leave this line a warning`,
  )
}
