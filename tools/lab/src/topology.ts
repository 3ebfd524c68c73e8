/** Native mode binds every service here (loopback only). */
export const LOCALHOST = '127.0.0.1'

/** The TypeScript replicas behind app_backend: app1, app2, app3 (ports APP<n>_PORT). */
export const APP_COUNT = 3
export const APPS = Array.from({ length: APP_COUNT }, (_, i) => `app${i + 1}`)

/** The Python replicas (Flask under Gunicorn) behind py_backend, under /py/: py1..py3 (PY<n>_PORT). */
export const PYS = Array.from({ length: APP_COUNT }, (_, i) => `py${i + 1}`)

/**
 * Docker mode: fixed addresses on Compose's networks, as the host number under the /24 prefixes
 * DOCKER_BACKEND_NET and DOCKER_FRONTEND_NET, below .128 where Docker never hands out an address
 * (compose.yaml gives each container the same number). Addresses, not service names, for two
 * reasons measured here: nginx re-resolving names (`server ... resolve`) changes its peer list
 * whenever a replica stops or starts, and requests between two tries then fail with "no live
 * upstreams" (nginx/nginx#1656); and Docker's DNS takes 10 s to fail a lookup of a stopped
 * service on an internal network, far past what a replica may wait for Redis or Postgres.
 */
export const DOCKER_BACKEND_HOSTS: Readonly<Record<string, number>> = Object.fromEntries([
  ['nginx', 2],
  // Fixed too, so that this machine's tests reach them on a Linux engine (the host is the gateway).
  ['redis', 3],
  ['pg-primary', 4],
  ['pg-replica', 5],
  ...APPS.map((app, i) => [app, 11 + i] as const),
  ...PYS.map((py, i) => [py, 21 + i] as const),
])
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
