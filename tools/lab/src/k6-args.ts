import type { LabEnv } from './env.ts'
import type { Mode } from './mode.ts'
import { ROOT_SET, replicasOf } from './topology.ts'

/**
 * The names a replica of `set` answers with (X-Replica), as the k6 scripts take them (REPLICAS):
 * the ones the lab runs (app1..app5 after `make scale n=5`), or on Kubernetes a prefix, since a
 * pod's name is its Deployment's and a suffix that each rollout renews.
 */
export const replicaNamesFor = (mode: Mode, env: LabEnv, set: string): string[] =>
  mode === 'k8s' ? [`${set}-*`] : replicasOf(env, set)

/**
 * `lab k6 run ...`: the scripts check answers against the replicas that run (REPLICAS; their
 * own default is .env.example's three). The lab passes the ones it runs, unless the caller
 * names the replicas itself (the Python sample's, say).
 */
export function k6Args(env: LabEnv, args: string[], mode: Mode): string[] {
  const [command, ...rest] = args
  if (command !== 'run' || rest.some((arg) => arg.startsWith('REPLICAS='))) return args
  return [command, '-e', `REPLICAS=${replicaNamesFor(mode, env, ROOT_SET).join(',')}`, ...rest]
}
