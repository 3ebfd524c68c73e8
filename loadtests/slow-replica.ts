// One replica made slow (make bench sets a latency fault on it), a few clients sending one
// request after another: how much of the traffic each strategy still gives the slow one, and
// what that costs the clients. make bench runs it per strategy and per engine.
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, checkSaying, REPLICAS, replicaOf, requireStack, TREND_STATS } from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report, sharesTable } from './lib/summary.ts'

const NAME = __ENV.NAME || 'slow-replica'

export const options = {
  scenarios: clients('slow', Number(__ENV.VUS || 8), Number(__ENV.SECONDS || 10)),
  summaryTrendStats: TREND_STATS,
  thresholds: {
    http_req_failed: ['rate==0'],
    // Exposes the per-replica counts (a threshold that always holds).
    ...Object.fromEntries(REPLICAS.map((r) => [`answered{replica:${r}}`, ['count>=0']])),
  },
}

const answered = new Counter('answered')

export function setup() {
  requireStack()
}

export default function () {
  const response = http.get(`${API}/api/whoami`)
  const replica = replicaOf(response)
  if (checkSaying(response, 'answered by a replica', (r) => r.status === 200 && REPLICAS.includes(replica)))
    answered.add(1, { replica })
}

export function handleSummary(data: Parameters<ReturnType<typeof report>>[0]) {
  return report(NAME, sharesTable(data, 'answered'))(data)
}
