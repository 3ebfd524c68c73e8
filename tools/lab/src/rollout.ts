// `lab rollout [replica]`: a rolling restart nobody notices, in either mode, with no reload of
// nginx. One replica at a time is restarted: its own drain takes it out of rotation (not ready,
// no new connections, which nginx retries elsewhere and counts against it; its open connections
// answered and left to nginx to close: services/app/src/plugins/core/draining.ts), then it starts and
// is ready. The next one goes only once nginx has forgotten the refused connections it counted
// (UPSTREAM_FAIL_TIMEOUT), so two replicas are never out at once.
//
// Why not drain by reloading nginx with the replica marked `down`: a reload makes nginx's old
// workers close their idle client connections at once, and a client sending its next request on
// one at that instant gets a reset. For a POST without an Idempotency-Key no client may retry
// that (RFC 9110 9.2.2), so it is lost: about one POST in 3,000 during a rollout, measured.
import { setTimeout as sleep } from 'node:timers/promises'
import type { LabEnv } from './env.ts'
import { parseReplica, ROOT_SET, replicasOf, SET_NAMES } from './topology.ts'

/** What `rollout [target]` restarts: one replica, every replica of a set, or by default of the root set (app). */
export function rolloutTargets(env: LabEnv, target = ROOT_SET): string[] {
  if (SET_NAMES.includes(target)) return replicasOf(env, target)
  if (parseReplica(target)) return [target]
  throw new Error(`rollout: ${target} is neither a replica set (${SET_NAMES.join(', ')}) nor a replica`)
}

export async function rollout(
  env: LabEnv,
  replicas: string[],
  restart: (replica: string) => Promise<void>,
): Promise<void> {
  for (const replica of replicas) {
    console.log(`rollout: ${replica}`)
    await restart(replica)
    await sleep(env.ms('UPSTREAM_FAIL_TIMEOUT'))
  }
}
