// Throughput of simulated I/O-bound work (/api/work?ms=50) at a fixed concurrency; make bench
// runs it with 1, 2 and 3 replicas in rotation. Each replica does at most WORK_CONCURRENCY at
// once, so one replica caps at WORK_CONCURRENCY * 1000/50 requests per second and three should
// reach close to three times that.
import { check } from 'k6'
import http from 'k6/http'
import { API, requireStack, TREND_STATS } from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

export const options = {
  scenarios: clients('scaling', Number(__ENV.VUS || 48), Number(__ENV.SECONDS || 10)),
  summaryTrendStats: TREND_STATS,
  thresholds: { http_req_failed: ['rate==0'] },
}

export function setup() {
  requireStack()
}

export default function () {
  check(http.get(`${API}/api/work?ms=50`), { 'work done': (r) => r.status === 200 })
}

export const handleSummary = report(`scaling-${__ENV.REPLICAS_IN_ROTATION || 'all'}`)
