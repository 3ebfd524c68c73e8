// The same mixed workload, mostly fast requests with some slow ones, to compare strategies
// (make bench runs it under round_robin and least_conn). The rate is near capacity on purpose
// (the slow requests alone keep about 16 of the 24 work slots busy): that is where strategies
// differ. least_conn sends fewer requests to a replica busy with slow ones; round robin does not
// look, so fast requests queue behind slow ones.
import { check } from 'k6'
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, requireStack, TREND_STATS } from './lib/config.ts'
import { arrivals } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

const SLOW_SHARE = 0.1

export const options = {
  scenarios: arrivals('strategies', Number(__ENV.RATE || 400), Number(__ENV.SECONDS || 20), 300),
  summaryTrendStats: TREND_STATS,
  thresholds: {
    http_req_failed: ['rate==0'],
    // Reported per kind of request (thresholds that always hold expose the sub-metrics).
    'http_req_duration{kind:fast}': ['max>=0'],
    'http_req_duration{kind:slow}': ['max>=0'],
    'shed{kind:fast}': ['count>=0'],
    'shed{kind:slow}': ['count>=0'],
  },
}

// Near capacity a replica may shed (503, Retry-After) rather than queue past its bound: counted,
// not failed, since that is the replica protecting itself.
const shed = new Counter('shed')
const workOrShed = http.expectedStatuses(200, 503)

export function setup() {
  requireStack()
}

export default function () {
  const slow = Math.random() < SLOW_SHARE
  const kind = slow ? 'slow' : 'fast'
  const response = http.get(`${API}/api/work?ms=${slow ? 400 : 5}`, {
    tags: { kind },
    responseCallback: workOrShed,
  })
  check(response, { 'work done or shed': (r) => r.status === 200 || r.status === 503 })
  if (response.status === 503) shed.add(1, { kind })
}

export const handleSummary = report(`strategies-${__ENV.STRATEGY || 'current'}`)
