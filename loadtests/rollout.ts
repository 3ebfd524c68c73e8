// A rolling restart under steady load that includes POSTs costs no request of any method.
// Run by the runner (make rollout), which restarts app1, app2, app3 one at a time mid-run.
// These POSTs carry no Idempotency-Key, so nothing retries them: each replica leaves nginx's
// rotation before it stops (and finishes what it has), so none is sent to a replica going away,
// and nginx's passive checks record no failure (node loadtests/run.ts restarts shows the cost
// of restarting without the drain).
import { check } from 'k6'
import http from 'k6/http'
import { API, NOTHING_FAILS, REPLICAS, replicaOf, requireStack, TREND_STATS } from './lib/config.ts'
import { arrivals } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

export const options = {
  scenarios: arrivals('rollout', Number(__ENV.RATE || 60), Number(__ENV.SECONDS || 15)),
  noCookiesReset: true,
  summaryTrendStats: TREND_STATS,
  thresholds: NOTHING_FAILS,
}

export function setup() {
  requireStack()
}

const json = { headers: { 'content-type': 'application/json' } }

export default function () {
  const served = (r: http.RefinedResponse<'text'>) => REPLICAS.includes(replicaOf(r))
  const note = http.post(`${API}/api/notes`, JSON.stringify({ text: `rollout ${__VU}-${__ITER}` }), json)
  check(note, { 'note written': (r) => r.status === 201 && served(r) })
  check(http.post(`${API}/api/visits`), { 'visit counted': (r) => r.status === 200 && served(r) })
  check(http.get(`${API}/api/notes/${note.json('id')}`), { 'note read': (r) => r.status === 200 })
}

export const handleSummary = report('rollout')
