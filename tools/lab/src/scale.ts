// `lab scale <n> [set]`: changes how many replicas of a set a running stack has, in either
// mode (each mode's scale.ts does it as follows). Out: new replicas start and are ready before
// nginx's reload puts them in rotation, and Prometheus's reload starts scraping them. In: the leaving replicas are drained as a rollout
// drains one (marked `down` in nginx, so no new request goes to them, while the old workers
// finish theirs), then stopped (SIGTERM: each finishes what it has), then removed from nginx and
// Prometheus. The count is remembered (scaleFile) for every later verb, until `make reset`.
// (Not the rollout's drain, where a stopping replica leaves the rotation by itself: with several
// leaving at once, one request could be refused by as many replicas as nginx tries.)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { engineOf } from './engines/index.ts'
import { type LabEnv, loadLabEnv, parseEnvFile, scaleFile } from './env.ts'
import {
  ALL_SET_NAMES,
  MAX_REPLICAS,
  parseReplicaCount,
  type ReplicaSet,
  ROOT_SET,
  replicaCount,
  replicaSet,
  replicasOf,
  SET_NAMES,
} from './topology.ts'

/** Reads `n` and the set (default: app) from the verb's arguments; throws a usage error. */
export function scaleRequest(args: string[]): { set: ReplicaSet; count: number } {
  const [n, set = ROOT_SET] = args
  if (n === undefined)
    throw new Error(`scale needs a count, e.g. make scale n=5 (s=py for the Python sample)`)
  replicaSet(set) // refuses a name that is not a set's, naming the sets
  return { set, count: parseReplicaCount(n, 'n') }
}

/** Keeps one of the stack's choices (a count, the engine) until `make reset` (env.ts reads it). */
function remember(key: string, value: string): void {
  const file = scaleFile()
  const kept = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : new Map<string, string>()
  kept.set(key, value)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, [...kept].map(([name, v]) => `${name}=${v}\n`).join(''))
}

export function rememberCount(set: ReplicaSet, count: number): void {
  remember(replicaSet(set).countKey, String(count))
}

/**
 * A count given to `up` (APP_REPLICAS=5 make up) is remembered as `scale` would remember it; so
 * is the engine (LB_ENGINE=haproxy make up), so that later verbs (ps, logs, kill) act on it.
 */
export function rememberCounts(env: LabEnv): void {
  for (const set of SET_NAMES) {
    if (process.env[replicaSet(set).countKey]) rememberCount(set, replicaCount(env, set))
  }
  if (process.env.LB_ENGINE) remember('LB_ENGINE', engineOf(env).name)
}

/** The lab's environment with another count for one set: what a scale aims at. */
export const withCount = (set: ReplicaSet, count: number) =>
  loadLabEnv({ ...process.env, [replicaSet(set).countKey]: String(count) })

/** Under LB_STRATEGY=weighted every replica needs a weight: refused before anything starts. */
export function checkWeights(target: LabEnv): void {
  for (const each of SET_NAMES) target.weights(replicasOf(target, each).length)
}

/**
 * Every replica that could be running, whatever the count says now (a count forgotten with a
 * deleted state file must not leave app5 running after `down`).
 */
export const everyReplica = () =>
  loadLabEnv({
    ...process.env,
    ...Object.fromEntries(ALL_SET_NAMES.map((set) => [replicaSet(set).countKey, String(MAX_REPLICAS)])),
  })
