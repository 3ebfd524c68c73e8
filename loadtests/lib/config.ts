/// <reference types="k6" />
// Settings every script shares, from k6's environment (-e NAME=value or the process env).
import { check, fail } from 'k6'
import http from 'k6/http'

export const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080'
// Which replicas the API requests go to: the TypeScript ones at /, or the Python sample with
// -e BASE_PATH=/py -e REPLICAS=py1,py2,py3. `make` and the lab's runner pass the ones the lab
// runs (after `make scale n=5`, app1-app5); run by hand, k6 expects .env.example's three.
export const BASE_PATH = __ENV.BASE_PATH || ''
export const API = `${BASE_URL}${BASE_PATH}`
export const REPLICAS = (__ENV.REPLICAS || 'app1,app2,app3').split(',')
/**
 * Whether a replica of the target set answered. On Kubernetes a replica is a pod, named after
 * its Deployment and new with each rollout: there the lab passes REPLICAS=app-* (a prefix).
 */
export const isReplica = (name: string): boolean =>
  REPLICAS.some((replica) =>
    replica.endsWith('*') ? name.startsWith(replica.slice(0, -1)) : replica === name,
  )
// The address nginx sees k6's requests come from: 127.0.0.1 natively; in Docker mode the k6
// container's fixed address (compose.yaml sets it).
export const CLIENT_IP = __ENV.CLIENT_IP || '127.0.0.1'

/**
 * For setup(): stop at once, with the reason, when there is no stack to test: the balancer,
 * whichever engine it is, answers a replica's route.
 */
export function requireStack(): void {
  const response = http.get(`${BASE_URL}/api/whoami`, { timeout: '2s' })
  if (response.status !== 200) fail(`no stack at ${BASE_URL} (status ${response.status}): run make up first`)
}

/** The replica that answered, from the X-Replica header every replica sets. */
export const replicaOf = (response: { headers: Record<string, string> }): string =>
  response.headers['X-Replica'] ?? 'none'

let said = 0

/**
 * k6's check(), and for a request that fails it one line on stderr saying what came back (status,
 * k6's error code, the replica, the time, the body's start), so a red run says why. At most 10
 * lines per VU: the first failures are the ones that explain the rest.
 */
export function checkSaying(
  response: http.RefinedResponse<'text'>,
  name: string,
  passes: (r: http.RefinedResponse<'text'>) => boolean,
): boolean {
  const ok = check(response, { [name]: passes })
  if (!ok && said++ < 10) {
    const error = response.error ? ` (k6 error ${response.error_code}: ${response.error})` : ''
    const body = typeof response.body === 'string' ? response.body.slice(0, 160) : ''
    console.warn(
      `${new Date().toISOString()} ${name}: no. ${response.request.method} ${response.url} -> ` +
        `${response.status}${error} from ${replicaOf(response)} in ${response.timings.duration.toFixed(0)} ms ${body}`,
    )
  }
  return ok
}

/** A new random key per logical request: the replica applies each Idempotency-Key once. */
export function idempotencyKey(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
}

/** The thresholds of a run that promises no failed request, POSTs included, and every check passed. */
export const NOTHING_FAILS = {
  http_req_failed: ['rate==0'],
  'http_req_failed{method:POST}': ['rate==0'],
  checks: ['rate==1'],
}

/** Percentiles every summary reports. */
export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)']
