import { lookup, Resolver } from 'node:dns/promises'
import { hostname } from 'node:os'
import { ConfigError } from './config.ts'

/**
 * A scaled Compose service's containers are all started from one definition, so none can be
 * given its own REPLICA_ID. Compose names them <project>-<service>-<n> (lb-lab-app-3), and
 * Docker's DNS answers a reverse lookup of a container's address with that name: the replica
 * takes <service><n> (app3), the same name native mode gives it. The Python sample does the same
 * (lbsample/replica_name.py).
 */
export function replicaIdFromContainerName(ptr: string): string | undefined {
  const match = /-([a-z0-9_]+)-(\d+)$/.exec(ptr.split('.')[0] ?? '')
  return match ? `${match[1]}${match[2]}` : undefined
}

/** This container's replica name, from its own address's name in DNS; a ConfigError if it has none. */
export async function replicaIdFromDns(timeoutMs = 2000): Promise<string> {
  // The host name's address comes from /etc/hosts, which Docker writes with the container's.
  const { address } = await lookup(hostname(), { family: 4 })
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 })
  const arpa = `${address.split('.').reverse().join('.')}.in-addr.arpa`
  const names = await resolver.resolvePtr(arpa).catch(() => [])
  const id = names.map(replicaIdFromContainerName).find(Boolean)
  if (!id) {
    throw new ConfigError(
      `REPLICA_ID is unset and DNS names ${address} ${names.length ? names.join(', ') : 'nothing'}, not a Compose container (<project>-<service>-<n>): set REPLICA_ID`,
    )
  }
  return id
}
