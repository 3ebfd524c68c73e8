// Sessions survive a killed replica: each VU increments its own visit counter while the runner
// kills and restarts app3 (node loadtests/run.ts sessions). Every count read back must be
// exactly what that VU wrote. Each increment carries an Idempotency-Key, so nginx may retry it
// on another replica when the one it reached died mid-request, and it still counts once.
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, checkSaying, idempotencyKey, requireStack, TREND_STATS } from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

const wrong = new Counter('wrong_counts')

export const options = {
  scenarios: clients('sessions', Number(__ENV.VUS || 20), Number(__ENV.SECONDS || 20)),
  // A VU is one client: it keeps its session cookie from one iteration to the next.
  noCookiesReset: true,
  summaryTrendStats: TREND_STATS,
  thresholds: { http_req_failed: ['rate==0'], checks: ['rate==1'], wrong_counts: ['count==0'] },
}

export function setup() {
  requireStack()
}

let written = 0

export default function () {
  const increment = http.post(`${API}/api/visits`, null, {
    headers: { 'Idempotency-Key': idempotencyKey() },
  })
  if (increment.status === 200) written++
  const read = http.get(`${API}/api/visits`)
  const ok = checkSaying(
    read,
    'reads back exactly what it wrote',
    (r) => r.status === 200 && r.json('visits') === written,
  )
  if (!ok) wrong.add(1)
}

export const handleSummary = report('sessions')
