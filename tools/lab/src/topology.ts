import type { LabEnv } from './env.ts'
import { ALL_SET_NAMES, type ReplicaSet, replicaSet } from './sets/index.ts'

/** Native mode binds every service here (loopback only). */
export const LOCALHOST = '127.0.0.1'

/**
 * The replica sets (sets/index.ts: one row each): the TypeScript replicas (app1, app2, ...) at
 * nginx's root and the Python ones (Flask under Gunicorn, py1, py2, ...) under /py/. How many of
 * each run is its countKey (APP_REPLICAS, 1 to MAX_REPLICAS; `make scale` changes it on a running
 * stack); replica n of a set listens natively on its portBaseKey + n. Everything that names a
 * replica (nginx, Prometheus, the lab's services, the tests) derives it from here.
 */
export {
  ALL_SET_NAMES,
  checkSets,
  REPLICA_SETS,
  type ReplicaSet,
  ROOT_SET,
  replicaSet,
  SET_NAMES,
} from './sets/index.ts'
/** One digit per name, and a port range that stays clear of the next base. */
export const MAX_REPLICAS = 9

/** A replica count as given (APP_REPLICAS=5, `make scale n=5`): a whole number from 1 to 9. */
export function parseReplicaCount(value: string, what: string): number {
  const count = Number(value)
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_REPLICAS) {
    throw new Error(`${what}=${value}: a replica count is a whole number from 1 to ${MAX_REPLICAS}`)
  }
  return count
}

export function replicaCount(env: LabEnv, set: ReplicaSet): number {
  const key = replicaSet(set).countKey
  return parseReplicaCount(env.get(key), key)
}

export function replicaNames(set: ReplicaSet, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${set}${i + 1}`)
}

/** The replicas of a set that this configuration runs. */
export const replicasOf = (env: LabEnv, set: ReplicaSet) => replicaNames(set, replicaCount(env, set))

/** Which set a replica name belongs to, and its number; undefined for any other service. */
export function parseReplica(name: string): { set: ReplicaSet; n: number } | undefined {
  const match = new RegExp(`^(${ALL_SET_NAMES.join('|')})([1-9])$`).exec(name)
  return match ? { set: match[1] as ReplicaSet, n: Number(match[2]) } : undefined
}

/** Native mode: the port replica `name` listens on. */
export function replicaPort(env: LabEnv, name: string): number {
  const replica = parseReplica(name)
  if (!replica) throw new Error(`${name} is not a replica`)
  return env.port(replicaSet(replica.set).portBaseKey) + replica.n
}

/** A replica as a proxy or a scraper addresses it. */
export interface ReplicaAddress {
  name: string
  address: string
  /**
   * A name standing for every ready replica of the set (Kubernetes: a headless Service), which
   * the balancer resolves while it runs, so that each replica is still a server of its own.
   */
  resolve?: boolean
}

/** Native mode: each replica of a set on its own port of 127.0.0.1. */
export const nativeReplicas = (env: LabEnv, set: ReplicaSet): ReplicaAddress[] =>
  replicasOf(env, set).map((name) => ({ name, address: `${LOCALHOST}:${replicaPort(env, name)}` }))

/**
 * Docker mode: each set is one Compose service scaled to its count (`deploy.replicas`), so its
 * containers have no fixed address; Compose names them <project>-<set>-<n> (lb-lab-app-3), the
 * replica takes the name app3 from there (services/app/src/replica-name.ts), and the lab finds
 * each one's address by that name (modes/docker/replicas.ts) whenever it renders nginx's config.
 */
export const COMPOSE_PROJECT = 'lb-lab'
export function containerName(replica: string): string {
  const parsed = parseReplica(replica)
  if (!parsed) throw new Error(`${replica} is not a replica`)
  return `${COMPOSE_PROJECT}-${parsed.set}-${parsed.n}`
}

/**
 * Docker mode: fixed addresses for the services every replica dials, as the host number under
 * the /24 prefixes DOCKER_BACKEND_NET and DOCKER_FRONTEND_NET, below .128 where Docker never
 * hands out an address (compose.yaml gives each container the same number). Addresses, not
 * service names: Docker's DNS takes 10 s to fail a lookup of a stopped service on an internal
 * network (measured here), far past what a replica may wait for Redis or Postgres
 * (DEPENDENCY_TIMEOUT_MS): a replica answered 504 for a stopped Redis instead of a fast 503.
 * (The one place this is said; compose.yaml, the README and replicas.ts link here.)
 */
export const DOCKER_BACKEND_HOSTS: Readonly<Record<string, number>> = {
  nginx: 2,
  // Fixed too, so that this machine's tests reach them on a Linux engine (the host is the gateway).
  redis: 3,
  'pg-primary': 4,
  'pg-replica': 5,
  // The lab console: nginx proxies to it and sends it the access log; it sends load to nginx.
  console: 6,
  // The object store: the replicas write media there, nginx reads it for /media/.
  objectstore: 7,
}
/** The console's ports in its container (natively: CONSOLE_PORT, CONSOLE_SYSLOG_PORT). */
export const CONSOLE_CONTAINER_PORT = 9700
export const CONSOLE_CONTAINER_SYSLOG_PORT = 9701
/** The object store's S3 port in its container (natively: OBJECTSTORE_S3_PORT). */
export const OBJECTSTORE_CONTAINER_PORT = 8333
/** On the frontend network: Docker's gateway is this machine itself; k6 is the lab's load generator. */
export const DOCKER_FRONTEND_HOSTS = { gateway: 1, nginx: 2, k6: 3 } as const

/** A backend service's fixed address under the /24 prefix `net` (DOCKER_BACKEND_NET). */
export function dockerBackendAddress(net: string, service: string): string {
  const host = DOCKER_BACKEND_HOSTS[service]
  if (host === undefined) throw new Error(`${service} has no fixed address on the backend network`)
  return dockerAddress(net, host)
}

export function dockerAddress(prefix: string, host: number): string {
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(prefix)) {
    throw new Error(`${prefix} is not the first three numbers of a /24 network, e.g. 172.30.57`)
  }
  return `${prefix}.${host}`
}
