// Throughput of simulated work with n replicas in rotation; make bench runs it for 1 to 6.
//   WORK=ms=50  I/O bound (the default): each replica does at most WORK_CONCURRENCY at once, so
//               one caps at WORK_CONCURRENCY * 1000/50 requests per second, and n should reach
//               close to n times that.
//   WORK=cpu=5  CPU bound: 5 ms of CPU time each; a replica computes one at a time, and all of
//               them together are capped by the machine's cores (shared with nginx and k6).
// What a replica cannot queue it sheds (503, Retry-After); these clients honour Retry-After, as
// good clients do, so the figure is goodput: work done per second.
import { check, sleep } from 'k6'
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, requireStack, TREND_STATS } from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

const WORK = __ENV.WORK || 'ms=50'

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
  const r = http.get(`${API}/api/work?${WORK}`, { responseCallback: workOrShed })
  check(r, {
    'work done, or shed with Retry-After': (res) =>
      res.status === 200 || (res.status === 503 && res.headers['Retry-After'] === '1'),
  })
  if (r.status === 200) done.add(1)
  else sleep(Number(r.headers['Retry-After'] || 1))
}

export const handleSummary = report(`scaling-${WORK.split('=')[0]}-${__ENV.REPLICAS_IN_ROTATION || 'all'}`)
