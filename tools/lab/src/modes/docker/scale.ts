import { checkWeights, rememberCount, withCount } from '../../scale.ts'
import { containerName, type ReplicaSet, replicaNames, replicaSet } from '../../topology.ts'
import type { ComposeStack } from './compose.ts'
import { dockerCli, waitReady } from './containers.ts'

/**
 * Docker mode: the set is one Compose service. Out: `up --scale` creates the new containers,
 * the config service finds them in Docker's DNS while the lab waits until each one's
 * healthcheck passes, then the balancer reloads. In: the leaving containers (the highest numbers,
 * as native mode's) are drained from the balancer (its runtime API, or a reload), stopped with their stop signal and grace period, and
 * removed; Compose's count follows from the containers left and the remembered count
 * (compose.yaml's deploy.replicas).
 */
export async function scaleDocker(compose: ComposeStack, set: ReplicaSet, count: number): Promise<void> {
  const current = await compose.replicas(set)
  if (current.length === 0) {
    throw new Error(`scale: the stack is not running (make up ${replicaSet(set).countKey}=${count})`)
  }
  const countKey = replicaSet(set).countKey
  checkWeights(withCount(set, count))
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
    // Through the engine's runtime API where it has one (no reload), else a reload with them drained.
    if (!(await compose.runtimeDrain(set, leaving)))
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
