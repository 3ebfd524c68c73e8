// wrk for the balancer path (make bench): k6 runs JavaScript per request, and on two cores it
// would be what caps the figure, not the balancer. wrk is C with one connection per client.
import { spawnSync } from 'node:child_process'

export interface WrkRun {
  requestsPerSecond: number
  /** Latency percentiles, in milliseconds. */
  p50: number
  p99: number
  /** Non-2xx/3xx answers and socket errors: a path that fails is not measured. */
  errors: number
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 }

function duration(text: string | undefined, what: string): number {
  const [, value, unit = ''] = /^([\d.]+)(us|ms|s)$/.exec(text ?? '') ?? []
  const scale = UNITS[unit]
  if (value === undefined || scale === undefined) throw new Error(`wrk printed no ${what}`)
  return Number(value) * scale
}

/** What `wrk --latency` printed, as figures. */
export function parseWrk(output: string): WrkRun {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output)?.[1]
  if (rps === undefined) throw new Error(`wrk printed no Requests/sec:\n${output}`)
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) +
    [...output.matchAll(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/g)]
      .flatMap((m) => m.slice(1))
      .reduce((sum, n) => sum + Number(n), 0)
  return {
    requestsPerSecond: Number(rps),
    p50: duration(/^\s+50%\s+(\S+)/m.exec(output)?.[1], 'p50'),
    p99: duration(/^\s+99%\s+(\S+)/m.exec(output)?.[1], 'p99'),
    errors,
  }
}

/** `connections` clients on one wrk thread for `seconds`, each sending its next request when answered. */
export function wrk(url: string, connections: number, seconds: number): WrkRun {
  const run = spawnSync(
    'wrk',
    ['--threads', '1', '--connections', String(connections), '--duration', `${seconds}s`, '--latency', url],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  )
  if (run.status !== 0) throw new Error(`wrk ${url} failed (exit ${run.status}): ${run.stderr}`)
  return parseWrk(run.stdout)
}
