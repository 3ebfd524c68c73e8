// `lab scale <n> [set]`: changes how many replicas of a set a running stack has, in either
// mode. Out: new replicas start and are ready before nginx's reload puts them in rotation, and
// Prometheus's reload starts scraping them. In: the leaving replicas are drained as a rollout
// drains one (marked `down` in nginx, so no new request goes to them, while the old workers
// finish theirs), then stopped (SIGTERM: each finishes what it has), then removed from nginx and
// Prometheus. The count is remembered (scaleFile) for every later verb, until `make reset`.
// (Not the rollout's drain, where a stopping replica leaves the rotation by itself: with several
// leaving at once, one request could be refused by as many replicas as nginx tries.)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ComposeStack } from './compose.ts'
import { dockerCli, waitReady } from './containers.ts'
import { type LabEnv, loadLabEnv, parseEnvFile, scaleFile } from './env.ts'
import { forgetPid } from './procs.ts'
import { services } from './services/index.ts'
import { Stack } from './stack.ts'
import {
  containerName,
  MAX_REPLICAS,
  parseReplicaCount,
  type ReplicaSet,
  replicaCount,
  replicaNames,
  replicaSet,
  replicasOf,
  SET_NAMES,
} from './topology.ts'

/** Reads `n` and the set (default: app) from the verb's arguments; throws a usage error. */
export function scaleRequest(args: string[]): { set: ReplicaSet; count: number } {
  const [n, set = 'app'] = args
  if (n === undefined)
    throw new Error(`scale needs a count, e.g. make scale n=5 (s=py for the Python sample)`)
  replicaSet(set) // refuses a name that is not a set's, naming the sets
  return { set, count: parseReplicaCount(n, 'n') }
}

export function rememberCount(set: ReplicaSet, count: number): void {
  const file = scaleFile()
  const counts = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : new Map<string, string>()
  counts.set(replicaSet(set).countKey, String(count))
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, [...counts].map(([key, value]) => `${key}=${value}\n`).join(''))
}

/** A count given to `up` (APP_REPLICAS=5 make up) is remembered as `scale` would remember it. */
export function rememberCounts(env: LabEnv): void {
  for (const set of SET_NAMES) {
    if (process.env[replicaSet(set).countKey]) rememberCount(set, replicaCount(env, set))
  }
}

const stackOf = (env: LabEnv) => new Stack(services(env))
const withCount = (set: ReplicaSet, count: number) =>
  loadLabEnv({ ...process.env, [replicaSet(set).countKey]: String(count) })

/** nginx and Prometheus re-rendered for `env` and reloaded in place (nothing if unchanged). */
async function reconfigure(env: LabEnv): Promise<void> {
  const stack = stackOf(env)
  await stack.reconfigure('nginx')
  await stack.reconfigure('prometheus')
}

export async function scaleNative(set: ReplicaSet, count: number): Promise<void> {
  const before = loadLabEnv()
  const current = replicasOf(before, set)
  const stack = stackOf(before)
  if (stack.status().every(({ pid }) => pid === undefined)) {
    throw new Error(`scale: the stack is not running (make up ${replicaSet(set).countKey}=${count})`)
  }
  const target = withCount(set, count)
  const wanted = replicasOf(target, set)
  // Under LB_STRATEGY=weighted every replica needs a weight: refuse before starting anything.
  for (const each of SET_NAMES) target.weights(replicasOf(target, each).length)
  if (count > current.length) {
    const adding = wanted.slice(current.length)
    const bigger = stackOf(target)
    // Ready before nginx knows them: their first request finds Redis and Postgres reachable.
    await Promise.all(adding.map((name) => bigger.start(name)))
    rememberCount(set, count)
    await reconfigure(target)
    console.log(`scale: ${set} ${current.length} -> ${count} (started ${adding.join(', ')})`)
  } else if (count < current.length) {
    const leaving = current.slice(count)
    await reconfigure(loadLabEnv({ ...process.env, LB_DRAINED: leaving.join(',') }))
    for (const name of leaving) {
      await stack.stop(name)
      forgetPid(name)
    }
    rememberCount(set, count)
    await reconfigure(target)
    console.log(`scale: ${set} ${current.length} -> ${count} (drained and stopped ${leaving.join(', ')})`)
  } else {
    console.log(`scale: ${set} already has ${count} replicas`)
  }
}

/**
 * Docker mode: the set is one Compose service. Out: `up --scale` creates the new containers,
 * the config service finds them in Docker's DNS while the lab waits until each one's
 * healthcheck passes, then nginx reloads. In: the leaving containers (the highest numbers, as
 * native mode's) are drained from nginx, stopped with their stop signal and grace period, and
 * removed; Compose's count follows from the containers left and the remembered count
 * (compose.yaml's deploy.replicas).
 */
export async function scaleDocker(compose: ComposeStack, set: ReplicaSet, count: number): Promise<void> {
  const current = await compose.replicas(set)
  if (current.length === 0) {
    throw new Error(`scale: the stack is not running (make up ${replicaSet(set).countKey}=${count})`)
  }
  const countKey = replicaSet(set).countKey
  const target = withCount(set, count)
  for (const each of SET_NAMES) target.weights(replicasOf(target, each).length)
  const wanted = replicaNames(set, count)
  if (count > current.length) {
    await compose.run(['up', '--detach', '--no-deps', '--no-recreate', '--scale', `${set}=${count}`, set])
    const added = wanted.filter((name) => !current.includes(name))
    // Rendered while they get ready (their addresses are known once they run), loaded once
    // they are: nginx sends them nothing before.
    const [version] = await Promise.all([
      compose.render({ [countKey]: String(count) }),
      ...added.map((name) => waitReady(name)),
    ])
    await compose.reload(version)
    rememberCount(set, count)
    console.log(`scale: ${set} ${current.length} -> ${count} (started ${added.join(', ')})`)
  } else if (count < current.length) {
    const leaving = current.filter((name) => !wanted.includes(name))
    await compose.reconfigure({ LB_DRAINED: leaving.join(',') })
    await Promise.all(leaving.map((name) => dockerCli(['stop', containerName(name)])))
    await dockerCli(['rm', ...leaving.map(containerName)])
    rememberCount(set, count)
    await compose.reconfigure({ [countKey]: String(count) })
    console.log(`scale: ${set} ${current.length} -> ${count} (drained and stopped ${leaving.join(', ')})`)
  } else {
    console.log(`scale: ${set} already has ${count} replicas`)
  }
}

/**
 * Every replica that could be running, whatever the count says now (a count forgotten with a
 * deleted state file must not leave app5 running after `down`).
 */
export const everyReplica = () =>
  loadLabEnv({
    ...process.env,
    ...Object.fromEntries(SET_NAMES.map((set) => [replicaSet(set).countKey, String(MAX_REPLICAS)])),
  })
