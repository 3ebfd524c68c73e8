// Native mode's `scale` (../../scale.ts: what scaling in and out means in either mode): new
// replicas are processes started and ready before the balancer's reload; leaving ones are
// drained in the balancer (through its runtime API where it has one), then stopped.
import { join } from 'node:path'
import { engineOf } from '../../engines/index.ts'
import { nativePlacement } from '../../engines/placement.ts'
import { type LabEnv, loadLabEnv } from '../../env.ts'
import { serviceDir } from '../../paths.ts'
import { checkWeights, rememberCount, withCount } from '../../scale.ts'
import { type ReplicaSet, replicaSet, replicasOf } from '../../topology.ts'
import { forgetPid } from './procs.ts'
import { runtimeApi } from './runtime-api.ts'
import { services } from './services/index.ts'
import { Stack } from './stack.ts'

const stackOf = (env: LabEnv) => new Stack(services(env))

/**
 * Out of rotation before they stop: through the engine's runtime API where it has one (no
 * reload), else by reloading it with them in LB_DRAINED.
 */
async function drain(env: LabEnv, set: ReplicaSet, leaving: string[]): Promise<void> {
  const engine = engineOf(env)
  if (!engine.runtimeDrain) return reconfigure(loadLabEnv({ ...process.env, LB_DRAINED: leaving.join(',') }))
  const dir = serviceDir(engine.name)
  const socket = engine.runtimeDrain.socket(nativePlacement(env, engine.name, dir, join(dir, 'conf'), ''))
  if (!('path' in socket)) throw new Error(`${engine.name}: natively its runtime API is a Unix socket`)
  const answer = await runtimeApi(socket.path, engine.runtimeDrain.commands(set, leaving))
  if (answer) throw new Error(`${engine.name} refused the drain of ${leaving.join(', ')}: ${answer}`)
  console.log(`scale: ${leaving.join(', ')} drained through ${engine.name}'s runtime API (no reload)`)
}

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
    await drain(before, set, leaving)
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
