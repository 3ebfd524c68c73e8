// The native stack: every service, in the order `up` starts them.

import type { BalancerEngine } from '../../../engines/engine.ts'
import { ENGINES, engineOf } from '../../../engines/index.ts'
import type { LabEnv } from '../../../env.ts'
import { displayPath, logFile } from '../../../paths.ts'
import { replicasOf, SET_NAMES } from '../../../topology.ts'
import { balancer } from './balancer.ts'
import { consoleService } from './console.ts'
import { logKeeper } from './log-keeper.ts'
import { objectstore } from './objectstore.ts'
import { postgres } from './postgres.ts'
import { exporters, nginxExporter, prometheus } from './prometheus.ts'
import { redis } from './redis.ts'
import { replica } from './replicas.ts'
import type { Service } from './service.ts'

export { contractEnv, replica } from './replicas.ts'
export { type Service, ServiceError } from './service.ts'

/**
 * Every service of the native stack, in an order where dependencies come first; with `sets`,
 * the replicas of those sets (`down`: every declared set, SETS or not).
 */
export function services(env: LabEnv, sets: readonly string[] = SET_NAMES): Service[] {
  return [
    logKeeper(env),
    redis(env),
    objectstore(env),
    postgres(env, 'primary'),
    postgres(env, 'replica'),
    prometheus(env),
    ...sets.flatMap((set) => replicasOf(env, set).map((name) => replica(env, name))),
    ...balancerServices(env, engineOf(env)),
    consoleService(env),
    ...exporters(env),
  ]
}

/** An engine's balancer, and nginx's exporter with nginx. */
function balancerServices(env: LabEnv, engine: BalancerEngine): Service[] {
  return [balancer(env, engine), ...(engine.name === 'nginx' ? [nginxExporter(env)] : [])]
}

/** The balancers of the engines LB_ENGINE does not name: `up` stops one left running, `down` any. */
export function otherBalancers(env: LabEnv): Service[] {
  const chosen = engineOf(env).name
  return Object.values(ENGINES)
    .filter((engine) => engine.name !== chosen)
    .flatMap((engine) => balancerServices(env, engine))
}

export function describeLog(service: string): string {
  return displayPath(logFile(service))
}
