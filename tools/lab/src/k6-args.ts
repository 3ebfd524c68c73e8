import type { LabEnv } from './env.ts'
import { ROOT_SET, replicasOf } from './topology.ts'

/**
 * `lab k6 run ...`: the scripts check answers against the replicas that run (REPLICAS; their
 * own default is .env.example's three). The lab passes the count it runs, unless the caller
 * names the replicas itself (the Python sample's, say).
 */
export function k6Args(env: LabEnv, args: string[]): string[] {
  const [command, ...rest] = args
  if (command !== 'run' || rest.some((arg) => arg.startsWith('REPLICAS='))) return args
  return [command, '-e', `REPLICAS=${replicasOf(env, ROOT_SET).join(',')}`, ...rest]
}
