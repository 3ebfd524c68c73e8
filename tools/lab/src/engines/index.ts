// The balancer engines, a row each: LB_ENGINE names one. A new engine is a folder beside these
// (its templates at the repository's top, named as the engine) and a row here.
import type { LabEnv } from '../env.ts'
import type { BalancerEngine } from './engine.ts'
import { haproxyEngine } from './haproxy/index.ts'
import { nginxEngine } from './nginx/index.ts'

export const ENGINES: Readonly<Record<string, BalancerEngine>> = {
  nginx: nginxEngine,
  haproxy: haproxyEngine,
}

export function engineOf(env: LabEnv): BalancerEngine {
  const name = env.get('LB_ENGINE')
  const engine = ENGINES[name]
  if (!engine) throw new Error(`LB_ENGINE=${name} is not one of ${Object.keys(ENGINES).join(', ')}`)
  return engine
}
