// What the lab console shows as the balancer's (services/console/src/lab-state.ts reads it): the
// same file whichever engine renders it.
import type { LabEnv } from '../env.ts'
import { changedFromExample } from '../switches.ts'
import type { ReplicaAddress } from '../topology.ts'
import type { Placement } from './placement.ts'

export function consoleState(env: LabEnv, placement: Placement, version: string, strategy: string): string {
  const replicas = (servers: ReplicaAddress[]) => servers.map(({ name, address }) => ({ name, address }))
  const state = {
    version,
    engine: env.get('LB_ENGINE'),
    syslogTag: placement.consoleSyslogTag,
    strategy,
    drained: env.list('LB_DRAINED'),
    maxFails: Number(env.get('UPSTREAM_MAX_FAILS')),
    failTimeoutMs: env.ms('UPSTREAM_FAIL_TIMEOUT'),
    // What `make up` was told beyond .env.example: a student's switches, shown until put back.
    changed: changedFromExample(env),
    objectStore: placement.objectStore,
    sets: Object.fromEntries(
      placement.sets.map(({ set, servers }) => [
        set.name,
        { label: set.label, base: set.prefix, replicas: replicas(servers) },
      ]),
    ),
  }
  return `${JSON.stringify(state, null, 2)}\n`
}
