// Native mode's `scale` (../../scale.ts: what scaling in and out means in either mode): new
// replicas are processes started and ready before nginx's reload; leaving ones are drained in
// nginx, then stopped.
import { engineOf } from '../../engines/index.ts'
import { type LabEnv, loadLabEnv } from '../../env.ts'
import { checkWeights, rememberCount, withCount } from '../../scale.ts'
import { type ReplicaSet, replicaSet, replicasOf } from '../../topology.ts'
import { forgetPid } from './procs.ts'
import { services } from './services/index.ts'
import { Stack } from './stack.ts'

const stackOf = (env: LabEnv) => new Stack(services(env))

/** The balancer and Prometheus re-rendered for `env` and reloaded in place (nothing if unchanged). */
async function reconfigure(env: LabEnv): Promise<void> {
  const stack = stackOf(env)
  await stack.reconfigure(engineOf(env).name)
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
  checkWeights(target)
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
