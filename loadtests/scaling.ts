// Throughput of simulated I/O-bound work (/api/work?ms=50) at a fixed concurrency; make bench
// runs it with 1, 2 and 3 replicas in rotation. Each replica does at most WORK_CONCURRENCY at
// once, so one replica caps at WORK_CONCURRENCY * 1000/50 requests per second and three should
// reach close to three times that. What a replica cannot queue it sheds (503, Retry-After); these
// clients honour Retry-After, as good clients do, so the figure is goodput: work done per second.
import { check, sleep } from 'k6'
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, requireStack, TREND_STATS } from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

export const options = {
  scenarios: clients('scaling', Number(__ENV.VUS || 48), Number(__ENV.SECONDS || 10)),
  summaryTrendStats: TREND_STATS,
  thresholds: { http_req_failed: ['rate==0'], work_done: ['count>0'] },
}

const done = new Counter('work_done')
const workOrShed = http.expectedStatuses(200, 503)

export function setup() {
  requireStack()
}

export default function () {
  const r = http.get(`${API}/api/work?ms=50`, { responseCallback: workOrShed })
  check(r, {
    'work done, or shed with Retry-After': (res) =>
      res.status === 200 || (res.status === 503 && res.headers['Retry-After'] === '1'),
  })
  if (r.status === 200) done.add(1)
  else sleep(Number(r.headers['Retry-After'] || 1))
}

export const handleSummary = report(`scaling-${__ENV.REPLICAS_IN_ROTATION || 'all'}`)
