import { execFile, execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type pg from 'pg'
import { engineOf } from '../../tools/lab/src/engines/index.ts'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { chooseMode } from '../../tools/lab/src/mode.ts'
import {
  containerName,
  DOCKER_FRONTEND_HOSTS,
  dockerAddress,
  dockerBackendAddress,
  parseReplica,
  replicaPort,
  replicaSet,
  replicasOf,
} from '../../tools/lab/src/topology.ts'

const cli = fileURLToPath(new URL('../../tools/lab/src/cli.ts', import.meta.url))

export const env = loadLabEnv()
/** The mode of the stack under test: the same suites run against both (make test). */
export const MODE = (await chooseMode(process.env.MODE)).mode
export const BASE = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
/**
 * The balancer under test (LB_ENGINE): the same suites run against nginx and HAProxy (make test).
 * Where the two keep a promise differently, a test says which does what, by this name.
 */
export const ENGINE = env.get('LB_ENGINE') as 'nginx' | 'haproxy'
/** The path on which the balancer answers `ok <config version>` itself. */
export const HEALTH_PATH = engineOf(env).healthPath

/**
 * Where this machine reaches a service directly, bypassing nginx: natively its port on
 * 127.0.0.1; in Docker mode its address on the backend network (fixed, or for a replica the one
 * Docker gave its container), which this machine reaches as that network's gateway (a Linux
 * engine; Docker Desktop keeps containers in a VM).
 */
export function direct(service: string): { host: string; port: number } {
  const replica = parseReplica(service)
  if (replica) {
    if (MODE === 'native') return { host: '127.0.0.1', port: replicaPort(env, service) }
    const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
    const host = execFileSync('docker', ['inspect', '--format', format, containerName(service)], {
      encoding: 'utf8',
    }).trim()
    return { host, port: replicaSet(replica.set).containerPort }
  }
  const { portKey, containerPort } = {
    redis: { portKey: 'REDIS_PORT', containerPort: 6379 },
    'pg-primary': { portKey: 'PG_PRIMARY_PORT', containerPort: 5432 },
    'pg-replica': { portKey: 'PG_REPLICA_PORT', containerPort: 5432 },
  }[service] ?? { portKey: '', containerPort: 0 }
  if (!portKey) throw new Error(`no direct address for ${service}`)
  if (MODE === 'native') return { host: '127.0.0.1', port: env.port(portKey) }
  return { host: dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), service), port: containerPort }
}
/** How to log in to a Postgres server directly: as the replicas do (their user and database), or
 * as the superuser. */
export function pgLogin(
  service: 'pg-primary' | 'pg-replica',
  as: 'app' | 'superuser' = 'app',
): pg.ClientConfig {
  return as === 'app'
    ? {
        ...direct(service),
        database: env.get('PG_DATABASE'),
        user: env.get('PG_USER'),
        password: env.get('PG_PASSWORD'),
      }
    : { ...direct(service), database: 'postgres', user: 'postgres', password: env.get('POSTGRES_PASSWORD') }
}

/** The address nginx sees this machine's requests come from (Docker: the frontend's gateway). */
export const CLIENT_IP =
  MODE === 'docker'
    ? dockerAddress(env.get('DOCKER_FRONTEND_NET'), DOCKER_FRONTEND_HOSTS.gateway)
    : '127.0.0.1'
/** The replicas the stack under test runs (the count `make scale` or `make up` chose). */
export const REPLICAS = replicasOf(env, 'app')

/**
 * The two implementations of the replica contract behind nginx: the contract tests run once for
 * each, unchanged but for these. `base` prefixes every path sent through nginx.
 */
export interface Target {
  name: string
  /** The replica set's name (the topology's, Kubernetes' Deployment and autoscaler). */
  set: 'app' | 'py'
  base: string
  replicas: readonly string[]
  cookie: string
}
export const TARGETS: readonly Target[] = [
  { name: 'TypeScript', set: 'app', base: '', replicas: REPLICAS, cookie: env.get('SESSION_COOKIE_NAME') },
  {
    name: 'Python',
    set: 'py',
    base: '/py',
    replicas: replicasOf(env, 'py'),
    cookie: env.get('PY_SESSION_COOKIE_NAME'),
  },
]

/**
 * The targets of a suite whose subject is the replica's own code (what it answers when a
 * dependency fails, what it stores, what a write's answer says): in Docker mode, the TypeScript
 * replica only. What the mode changes for them (the services' addresses, a dependency stopped as
 * a container) is the same for both sets and crossed by it; the Python variant runs natively,
 * under both engines where the engine takes part. It took 111 s of docker: e2e (CI run 50).
 */
export const replicaCodeTargets = (): readonly Target[] =>
  MODE === 'docker' ? TARGETS.filter(({ base }) => base === '') : TARGETS

const execFileAsync = promisify(execFile)

/** Node's fetch keeps its idle connections in this pool (undici's global dispatcher). */
const POOL = Symbol.for('undici.globalDispatcher.1')
type Pool = { constructor: new () => Pool; close(): Promise<void> }

/**
 * The next requests on connections opened from now on. A verb may reload nginx, whose old
 * workers then close their idle client connections; noticing the close before reusing one is a
 * race this process can lose (the hash_cookie test's first POST after its reload, once: "other
 * side closed", the request never read). Requests in flight finish on the old pool.
 */
function freshConnections(): void {
  const global = globalThis as unknown as Record<symbol, Pool | undefined>
  const pool = global[POOL]
  if (!pool) return
  global[POOL] = new pool.constructor()
  pool.close().catch(() => {})
}

/**
 * Runs a lab verb (the same CLI `make` calls); rejects with its output if it fails. Async, so
 * that requests this process has in flight meanwhile (a load story) go on.
 */
export async function lab(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [cli, ...args], {
      env: { ...process.env, ...extraEnv },
      timeout: 120_000,
    })
    return stdout
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string }
    throw new Error(`lab ${args.join(' ')} failed:\n${stdout}${stderr}`)
  } finally {
    freshConnections()
  }
}

export interface Hit {
  status: number
  replica: string | null
  ms: number
  headers: Headers
}

/** A GET (or `init`'s request) of a path of the balancer, or of a whole URL. */
export async function hit(path: string, init: RequestInit = {}): Promise<Hit> {
  const started = performance.now()
  const response = await fetch(path.startsWith('http') ? path : `${BASE}${path}`, {
    ...init,
    signal: AbortSignal.timeout(10_000),
  })
  await response.arrayBuffer()
  return {
    status: response.status,
    replica: response.headers.get('x-replica'),
    ms: performance.now() - started,
    headers: response.headers,
  }
}

/** One GET whose network error comes back as status 0, so a load story can count it as a failure. */
async function hitOrStatus0(path: string): Promise<Hit> {
  const started = performance.now()
  return hit(path).catch(() => ({
    status: 0,
    replica: null,
    ms: performance.now() - started,
    headers: new Headers(),
  }))
}

/** `count` GETs with `concurrency` in flight at once; network errors come back as status 0. */
export async function burst(path: string, count: number, concurrency: number): Promise<Hit[]> {
  const hits: Hit[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      hits.push(await hitOrStatus0(path))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return hits
}

/**
 * GETs sent `concurrency` at a time for as long as it takes: `stop()` ends the stream once the
 * requests sent after the call are answered too, and resolves with every hit (network errors as
 * status 0). For a story whose event must happen in the middle of the traffic, however fast the
 * machine is.
 */
export function stream(
  path: string,
  concurrency: number,
): { hits: Hit[]; stop(after?: number): Promise<Hit[]> } {
  const hits: Hit[] = []
  let stopAt = Number.POSITIVE_INFINITY
  const worker = async () => {
    while (hits.length < stopAt) {
      hits.push(await hitOrStatus0(path))
    }
  }
  const workers = Promise.all(Array.from({ length: concurrency }, worker))
  return {
    hits,
    async stop(after = 100) {
      stopAt = hits.length + after
      await workers
      return hits
    },
  }
}

export function shares(hits: Hit[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const h of hits) counts[h.replica ?? 'none'] = (counts[h.replica ?? 'none'] ?? 0) + 1
  return Object.fromEntries(Object.entries(counts).map(([replica, n]) => [replica, n / hits.length]))
}

/**
 * Polls `check` until it holds (an error counts as not yet); resolves with the seconds it took.
 * The bound is a deadline for a state that must come, not a claim about speed: past it, the
 * test fails naming what never happened.
 */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return (performance.now() - started) / 1000
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
}

/** Polls until a response comes from `replica`; resolves with the seconds it took. */
export async function waitForReplica(replica: string, timeoutMs: number, base = ''): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const h = await hit(`${base}/api/whoami`).catch(() => undefined)
    if (h?.replica === replica) return (performance.now() - started) / 1000
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${replica} got no traffic within ${timeoutMs / 1000} s`)
}

/** Each replica's own address, bypassing nginx (to pin a request to one replica). */
export const replicaUrl = (replica: string) => {
  const { host, port } = direct(replica)
  return `http://${host}:${port}`
}

/** The value of the sample of `name` with these labels (in any order) on a replica's /metrics. */
export async function replicaMetric(
  replica: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (await fetch(`${replicaUrl(replica)}/metrics`)).text()
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith(`${name}{`) && wanted.every((label) => l.slice(0, l.indexOf('}')).includes(label)),
    )
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

/** A client that keeps its cookies (the session's, the last write's), like a browser tab. */
export class SessionClient {
  readonly jar = new Map<string, string>()
  /** The Cookie header it sends. */
  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes; the tests assert on them.
  async send(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; ms: number }> {
    const started = performance.now()
    const headers = new Headers(init.headers)
    if (this.jar.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookie)
    const response = await fetch(url.startsWith('http') ? url : `${BASE}${url}`, {
      ...init,
      headers,
      signal: AbortSignal.timeout(10_000),
    })
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';')
      const [name = '', value = ''] = pair.split('=')
      // A browser drops a cookie set to expire (Max-Age=0); so does this client.
      if (/Max-Age=0/i.test(setCookie) || value === '') this.jar.delete(name)
      else this.jar.set(name, pair.slice(name.length + 1))
    }
    const text = await response.text()
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      ms: performance.now() - started,
    }
  }
  post(url: string, body?: unknown) {
    return this.send(url, {
      method: 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    })
  }
}
