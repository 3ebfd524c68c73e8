// The native stack: every service, in the order `up` starts them.
import type { LabEnv } from '../../../env.ts'
import { displayPath, logFile } from '../../../paths.ts'
import { replicasOf, SET_NAMES } from '../../../topology.ts'
import { consoleService } from './console.ts'
import { logKeeper } from './log-keeper.ts'
import { nginx } from './nginx.ts'
import { objectstore } from './objectstore.ts'
import { postgres } from './postgres.ts'
import { exporters, prometheus } from './prometheus.ts'
import { redis } from './redis.ts'
import { replica } from './replicas.ts'
import type { Service } from './service.ts'

export { contractEnv, replica } from './replicas.ts'
export { type Service, ServiceError } from './service.ts'

/** Every service of the native stack, in an order where dependencies come first. */
export function services(env: LabEnv): Service[] {
  return [
    logKeeper(env),
    redis(env),
    objectstore(env),
    postgres(env, 'primary'),
    postgres(env, 'replica'),
    prometheus(env),
    ...SET_NAMES.flatMap((set) => replicasOf(env, set).map((name) => replica(env, name))),
    nginx(env),
    consoleService(env),
    ...exporters(env),
  ]
}

export function describeLog(service: string): string {
  return displayPath(logFile(service))
}
