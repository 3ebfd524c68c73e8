// `lab fault [replica] [key=value ...|clear]`: the fault contract (contract/README.md, Faults)
// from the command line. Sets a replica's faults on its own port (PUT /faults: the whole set is
// replaced), clears them, or lists every replica's. Natively the replica is on 127.0.0.1;
// in Docker mode at its container's address on the backend network (a Linux engine routes it).

import type { LabEnv } from './env.ts'
import { parseReplica, replicaSet, replicasOf, SET_NAMES } from './topology.ts'

const duration = (key: string, value: string, unit: 'ms' | 's'): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value)
  if (!match)
    throw new Error(`fault: ${key}=${value}: a duration, e.g. ${unit === 'ms' ? '300ms or 0.3s' : '30s'}`)
  const [, number, given = unit] = match
  const ms = Number(number) * (given === 's' ? 1000 : 1)
  return Math.round(unit === 'ms' ? ms : ms / 1000)
}

/** Command-line keys, in the units a person types, to the contract's fields. */
const KEYS: Record<string, (value: string) => [string, unknown]> = {
  latency: (v) => ['latencyMs', duration('latency', v, 'ms')],
  jitter: (v) => ['jitterMs', duration('jitter', v, 'ms')],
  slowstart: (v) => ['slowStartSeconds', duration('slowstart', v, 's')],
  errors: (v) => {
    const match = /^(\d+(?:\.\d+)?)(%)?$/.exec(v)
    if (!match) throw new Error(`fault: errors=${v}: a share of requests, e.g. 10% or 0.1`)
    return ['errorRate', Number(match[1]) / (match[2] ? 100 : 1)]
  },
  status: (v) => ['errorStatus', Number(v)],
  ready: (v) => {
    if (!['no', 'yes'].includes(v)) throw new Error(`fault: ready=${v}: no (readiness 503) or yes`)
    return ['notReady', v === 'no']
  },
  cpu: (v) => ['cpuMs', duration('cpu', v, 'ms')],
  routes: (v) => ['routes', v.split(',')],
}

/** The keys, as the Makefile passes them on (`lab fault-keys`) and the help lists them. */
export const FAULT_KEYS = Object.keys(KEYS)
const USAGE = `${FAULT_KEYS.map((k) => `${k}=`).join(' ')} or clear`

/** The PUT body for `key=value` arguments; throws a usage error naming the keys. */
export function faultBody(args: string[]): Record<string, unknown> {
  return Object.fromEntries(
    args.map((arg) => {
      const [key = '', ...rest] = arg.split('=')
      const parse = KEYS[key]
      if (!parse || rest.length === 0) {
        throw new Error(`fault: ${arg}: expected one of ${USAGE}`)
      }
      return parse(rest.join('='))
    }),
  )
}

/** The fault switch of `replica`, at the address the run mode reaches it on. */
async function faultsUrl(replicaUrl: (replica: string) => Promise<string>, replica: string): Promise<string> {
  const parsed = parseReplica(replica)
  if (!parsed) throw new Error(`fault: ${replica} is not a replica (app1, py2, ...)`)
  const set = replicaSet(parsed.set)
  if (!set.faults)
    throw new Error(
      `fault: ${set.label} (${parsed.set}) does not keep the fault contract (its sets/${parsed.set}.json says "faults": false); contract/README.md, Faults, says what to implement`,
    )
  return `${await replicaUrl(replica)}/faults`
}

async function send(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(3000),
  })
  return { status: response.status, text: await response.text() }
}

/** A fault set as the lab prints it: fields in one order, whichever implementation answered. */
const shown = (faults: Record<string, unknown>) =>
  Object.keys(faults).length ? JSON.stringify(faults, Object.keys(faults).sort()) : undefined

export async function fault(
  replicaUrl: (replica: string) => Promise<string>,
  env: LabEnv,
  args: string[],
): Promise<void> {
  const [replica, ...rest] = args
  if (replica === undefined) {
    // Every replica's, the active ones shown: what the lab is breaking right now.
    for (const set of SET_NAMES) {
      if (!replicaSet(set).faults) {
        console.log(`${replicasOf(env, set).join(', ')}: no fault contract`)
        continue
      }
      for (const name of replicasOf(env, set)) {
        // A stopped replica (in Docker mode: no address at all) is listed, not an error.
        const answer = await faultsUrl(replicaUrl, name)
          .then((url) => send(url, 'GET'))
          .catch(() => undefined)
        const faults = answer?.status === 200 ? JSON.parse(answer.text).faults : undefined
        console.log(`${name.padEnd(5)} ${faults === undefined ? 'not answering' : (shown(faults) ?? 'none')}`)
      }
    }
    return
  }
  const url = await faultsUrl(replicaUrl, replica)
  const clear = rest.length === 1 && rest[0] === 'clear'
  if (rest.length === 0) throw new Error(`fault: give ${replica} faults, one or more of ${USAGE}`)
  const answer = clear ? await send(url, 'DELETE') : await send(url, 'PUT', faultBody(rest))
  if (answer.status !== 200) throw new Error(`fault: ${replica} answered ${answer.status}: ${answer.text}`)
  const { faults } = JSON.parse(answer.text)
  console.log(`${replica}: ${shown(faults) ?? 'no faults'}`)
}
