// A rolling restart under steady load that includes POSTs costs no request of any method.
// Run by the runner (make rollout, s=py for the Python sample), which restarts every replica of
// a set one at a time mid-run. These POSTs carry no Idempotency-Key, so nothing may retry them:
// each replica drains itself as it stops (services/app/src/plugins/core/draining.ts), so none is sent
// to a replica going away, and nginx is not reloaded, so no client connection is closed under a
// request (tools/lab/src/rollout.ts says why that mattered).
import http from 'k6/http'
import {
  API,
  checkSaying,
  isReplica,
  NOTHING_FAILS,
  replicaOf,
  requireStack,
  TREND_STATS,
} from './lib/config.ts'
import { arrivals } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

// 40 iterations (120 requests) a second: what a run proves is the rollout, not the machine's limit.
// At 60, Docker mode kept this project's two cores about 90% busy before any restart (its
// logging and health checks cost CPU too), and a Python replica booting (a second of CPU)
// pushed other requests past their REQUEST_DEADLINE_MS: a 504 that is overload, not a lost
// request. At 40, a third of the CPU stays idle (median, measured in both sets).
export const options = {
  scenarios: arrivals('rollout', Number(__ENV.RATE || 40), Number(__ENV.SECONDS || 15)),
  noCookiesReset: true,
  summaryTrendStats: TREND_STATS,
  thresholds: NOTHING_FAILS,
}

export function setup() {
  requireStack()
}

const json = { headers: { 'content-type': 'application/json' } }

export default function () {
  const served = (r: http.RefinedResponse<'text'>) => isReplica(replicaOf(r))
  const note = http.post(`${API}/api/notes`, JSON.stringify({ text: `rollout ${__VU}-${__ITER}` }), json)
  if (!checkSaying(note, 'note written', (r) => r.status === 201 && served(r))) return
  checkSaying(http.post(`${API}/api/visits`), 'visit counted', (r) => r.status === 200 && served(r))
  checkSaying(http.get(`${API}/api/notes/${note.json('id')}`), 'note read', (r) => r.status === 200)
}

export const handleSummary = report('rollout')
