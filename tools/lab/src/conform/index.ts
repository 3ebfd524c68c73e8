// `lab conform [set] [--json] [--only id,...]`: is this set ready to be load-balanced? The
// requirements of a service behind a balancer, each run against the live set through the balancer
// with the lab's own machinery (kill, pause, stop, rollout, faults), each a line of the report:
// pass, warn or fail, the evidence, and the fix. Exit 1 if any line failed. docs/conform.md.
import { loadLabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import type { RunMode } from '../modes/run-mode.ts'
import { replicaSet, replicasOf, SET_NAMES } from '../topology.ts'
import type { Check, Finding, Target } from './check.ts'
import { config } from './checks/config.ts'
import { files } from './checks/files.ts'
import { health } from './checks/health.ts'
import { observability } from './checks/observability.ts'
import { retries } from './checks/retries.ts'
import { shutdown } from './checks/shutdown.ts'
import { stateless } from './checks/stateless.ts'
import { describe, request } from './http.ts'

/** In the order they run: the ones that only read first, the ones that restart replicas last. */
export const CHECKS: readonly Check[] = [config, observability, retries, files, health, stateless, shutdown]

export interface Line extends Finding {
  id: string
  requirement: string
  seconds: number
}

export interface Report {
  set: string
  mode: Mode
  engine: string
  lines: Line[]
  seconds: number
  passed: boolean
}

export async function conform(
  modeName: Mode,
  mode: RunMode,
  setName: string,
  only: string[] = [],
): Promise<Report> {
  const env = loadLabEnv()
  const set = replicaSet(setName)
  if (!SET_NAMES.includes(setName))
    throw new Error(
      `conform: ${setName} is declared (sets/${setName}.json) but SETS does not name it: make up SETS=${setName}`,
    )
  const unknown = only.filter((id) => !CHECKS.some((check) => check.id === id))
  if (unknown.length > 0)
    throw new Error(`conform: no check ${unknown.join(', ')} (${CHECKS.map((c) => c.id).join(', ')})`)
  const origin = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
  const target: Target = {
    env,
    mode,
    set,
    replicas: replicasOf(env, setName),
    api: (path) => `${origin}${set.prefix}${path}`,
    origin,
  }
  // Nothing to check without a set answering through the balancer: one clear error, not seven.
  // /health is the one route every set has (the contract's).
  const first = await request(target.api('/health'), { timeoutMs: 5000 })
  if (first.status !== 200)
    throw new Error(
      `conform: ${setName} does not answer through the balancer (${target.api('/health')}: ${describe(first)}); \`make up\` first`,
    )
  const started = Date.now()
  const lines: Line[] = []
  for (const check of CHECKS.filter((c) => only.length === 0 || only.includes(c.id))) {
    const begun = Date.now()
    let finding: Finding
    try {
      finding = await check.run(target)
    } catch (err) {
      finding = { verdict: 'fail', evidence: `the check itself failed: ${(err as Error).message}` }
    }
    lines.push({
      id: check.id,
      requirement: check.requirement,
      ...finding,
      seconds: (Date.now() - begun) / 1000,
    })
  }
  return {
    set: setName,
    mode: modeName,
    engine: env.get('LB_ENGINE'),
    lines,
    seconds: (Date.now() - started) / 1000,
    passed: lines.every((line) => line.verdict !== 'fail'),
  }
}

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' }

/** The report card for a person: a line per requirement, the evidence under it, the fix after a failure. */
export function printReport(report: Report): void {
  console.log(`conform: ${report.set} (${report.mode} mode, ${report.engine}), through the balancer`)
  for (const line of report.lines) {
    console.log(
      `\n${MARK[line.verdict]}  ${line.id.padEnd(14)} ${line.requirement}  (${line.seconds.toFixed(1)} s)`,
    )
    console.log(`      ${line.evidence}`)
    if (line.fix) console.log(`      fix: ${line.fix}`)
  }
  const count = (verdict: string) => report.lines.filter((line) => line.verdict === verdict).length
  console.log(
    `\n${report.passed ? 'ready to be load-balanced' : 'not ready'}: ${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed in ${report.seconds.toFixed(0)} s`,
  )
}
