// The replicas of every set (sets/index.ts), natively: each on its own port of 127.0.0.1, with
// the environment the replica contract gives it (contract/README.md; Docker mode's compose.yaml
// gives the same names, test/static checks it).
import { fromEnv } from '../../../contract.ts'
import type { LabEnv } from '../../../env.ts'
import { httpOk } from '../../../probes.ts'
import { replicaSet } from '../../../sets/index.ts'
import { LOCALHOST, parseReplica, replicaPort } from '../../../topology.ts'
import { nativeS3Endpoint } from './objectstore.ts'
import { type Service, ServiceError } from './service.ts'

/**
 * The contract's environment for one replica natively (and for the migration, as `migrate`):
 * the settings, its name and port, native mode's addresses, and its set's session cookie.
 */
export function contractEnv(
  env: LabEnv,
  replicaId: string,
  port: number,
  cookieKey = 'SESSION_COOKIE_NAME',
): Record<string, string> {
  return {
    ...Object.fromEntries(fromEnv().map((key) => [key, env.get(key)])),
    SESSION_COOKIE_NAME: env.get(cookieKey),
    REPLICA_ID: replicaId,
    HOST: LOCALHOST,
    PORT: String(port),
    TRUST_PROXY: LOCALHOST,
    REDIS_HOST: LOCALHOST,
    REDIS_PORT: String(env.port('REDIS_PORT')),
    PG_PRIMARY_HOST: LOCALHOST,
    PG_PRIMARY_PORT: String(env.port('PG_PRIMARY_PORT')),
    PG_REPLICA_HOST: LOCALHOST,
    PG_REPLICA_PORT: String(env.port('PG_REPLICA_PORT')),
    S3_ENDPOINT: nativeS3Endpoint(env),
  }
}

/** Replica `name` (app2, py1) as a native service: its set's process, the contract's lifecycle. */
export function replica(env: LabEnv, name: string): Service {
  const parsed = parseReplica(name)
  if (!parsed) throw new Error(`${name} is not a replica`)
  const set = replicaSet(parsed.set)
  const port = replicaPort(env, name)
  return {
    name,
    // The replica serves reads; starting after it means reads use it from the first request.
    dependsOn: ['redis', 'pg-primary', 'pg-replica'],
    port,
    binaries: [],
    // Every replica drains on SIGTERM (the contract's shutdown).
    stopSignal: 'SIGTERM',
    // Longer than the replica's own drain budget, like compose's stop_grace_period.
    stopTimeoutMs: Number(env.get('SHUTDOWN_DELAY_MS')) + Number(env.get('SHUTDOWN_TIMEOUT_MS')) + 5000,
    startTimeoutMs: 20_000,
    async prepare() {
      try {
        set.prepare?.(name)
      } catch (err) {
        throw new ServiceError(name, (err as Error).message)
      }
      return false
    },
    command: () => set.process(contractEnv(env, name, port, set.cookieKey), env, name),
    // Ready, not merely alive: nginx should only get replicas that can serve.
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/ready`),
    url: `http://${LOCALHOST}:${port}`,
  }
}
