import { Resolver } from 'node:dns/promises'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { LabEnv } from '../../env.ts'
import {
  containerName,
  MAX_REPLICAS,
  type ReplicaAddress,
  type ReplicaSet,
  replicaNames,
  replicaSet,
  replicasOf,
  SET_NAMES,
} from '../../topology.ts'

/**
 * Docker mode: where each replica is, asked of Docker's DNS from inside the backend network (the
 * config service renders there). A set's service name answers with every running container's
 * address, and each address's reverse lookup with the container's name (lb-lab-app-3).
 *
 * nginx gets these addresses rendered, not names it resolves itself: re-resolving
 * (`server ... resolve`) changes nginx's peer list whenever a replica stops or starts, and a
 * request between two tries then fails with "no live upstreams" (nginx/nginx#1656). So the lab
 * renders again after every verb that starts a container (up, start, restart, scale, rollout).
 *
 * The members are replicas 1 to the set's count, plus any other that runs (a user's own
 * `docker compose up --scale app=5`). A member that is not running keeps the address it had at
 * the last render (kept in `state`): nginx fails over around it, Prometheus shows it down, as
 * with a stopped native replica.
 */
export async function dockerReplicas(
  env: LabEnv,
  state: string,
): Promise<{ replicas: Record<ReplicaSet, ReplicaAddress[]>; unknown: string[] }> {
  const previous: Partial<Record<ReplicaSet, ReplicaAddress[]>> = existsSync(state)
    ? JSON.parse(readFileSync(state, 'utf8'))
    : {}
  // Bounded: a name with no running container is slow to fail (topology.ts, DOCKER_BACKEND_HOSTS).
  const dns = new Resolver({ timeout: 1000, tries: 2 })
  const replicas = {} as Record<ReplicaSet, ReplicaAddress[]>
  const unknown: string[] = []
  for (const set of SET_NAMES) {
    const port = replicaSet(set).containerPort
    const running = new Map<string, string>()
    for (const ip of await dns.resolve4(set).catch(() => [])) {
      const [ptr = ''] = await dns
        .resolvePtr(`${ip.split('.').reverse().join('.')}.in-addr.arpa`)
        .catch(() => [])
      const name = replicaNames(set, MAX_REPLICAS).find((n) => ptr.split('.')[0] === containerName(n))
      if (name) running.set(name, `${ip}:${port}`)
    }
    const members = [...new Set([...replicasOf(env, set), ...running.keys()])].sort(
      (a, b) => Number(a.slice(set.length)) - Number(b.slice(set.length)),
    )
    replicas[set] = members.flatMap((name) => {
      const address = running.get(name) ?? previous[set]?.find((r) => r.name === name)?.address
      if (address) return [{ name, address }]
      unknown.push(name)
      return []
    })
    if (replicas[set].length === 0)
      throw new Error(`no ${set} replica runs, and none ever ran: nothing to balance`)
  }
  writeFileSync(state, `${JSON.stringify(replicas, null, 2)}\n`)
  return { replicas, unknown }
}
