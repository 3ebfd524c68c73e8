// The native stack: every service, in the order `up` starts them.
import type { LabEnv } from '../env.ts'
import { displayPath, logFile } from '../paths.ts'
import { replicasOf } from '../topology.ts'
import { consoleService } from './console.ts'
import { logKeeper } from './log-keeper.ts'
import { nginx } from './nginx.ts'
import { postgres } from './postgres.ts'
import { exporters, prometheus } from './prometheus.ts'
import { redis } from './redis.ts'
import { app, py } from './replicas.ts'
import type { Service } from './service.ts'

export { appEnv, pyEnv } from './replicas.ts'
export { type Service, ServiceError } from './service.ts'

/** Every service of the native stack, in an order where dependencies come first. */
export function services(env: LabEnv): Service[] {
  return [
    logKeeper(env),
    redis(env),
    postgres(env, 'primary'),
    postgres(env, 'replica'),
    prometheus(env),
    ...replicasOf(env, 'app').map((name) => app(env, name)),
    ...replicasOf(env, 'py').map((name) => py(env, name)),
    nginx(env),
    consoleService(env),
    ...exporters(env),
  ]
}

export function describeLog(service: string): string {
  return displayPath(logFile(service))
}
