// A dead, then a frozen replica cost GET clients nothing. Run by the runner, which kills,
// starts, pauses and unpauses app2 mid-run (make loadtest-failover, or in make test):
//   node loadtests/run.ts failover
// Pass line: no failed request; p99 under 2.5 s while app2 is paused; app2 answers again
// within 15 s of its start and of its unpause (the recovery times are printed).
import http from 'k6/http'
import { Counter, Trend } from 'k6/metrics'
import { API, checkSaying, REPLICAS, replicaOf, requireStack, TREND_STATS } from './lib/config.ts'
import { arrivals } from './lib/profiles.ts'
import { eventTime, phaseAt } from './lib/schedule.ts'
import { report } from './lib/summary.ts'

const EVENTS = ['kill', 'start', 'pause', 'unpause']
const TARGET = __ENV.TARGET || 'app2'
const RETURNS = ['start', 'unpause']

const backAfter = new Trend('target_back_seconds')
const backSeen = new Counter('target_back')
// What a frozen replica costs (make bench compares the engines on it): the requests it held
// (slower than SLOW_MS), and how long after the pause the balancer still sent it one.
const SLOW_MS = 250
const slowed = new Counter('slowed')
const stillSentAfter = new Trend('still_sent_seconds')

export const options = {
  scenarios: arrivals('failover', Number(__ENV.RATE || 50), Number(__ENV.SECONDS || 45), 200),
  summaryTrendStats: TREND_STATS,
  thresholds: {
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    'http_req_duration{phase:pause}': ['p(99)<2500'],
    // The first sighting after each return, per VU: the smallest is when traffic came back.
    ...Object.fromEntries(RETURNS.map((e) => [`target_back_seconds{event:${e}}`, ['min<15']])),
    ...Object.fromEntries(RETURNS.map((e) => [`target_back{event:${e}}`, ['count>0']])),
    // Figures, not verdicts (thresholds that always hold expose the sub-metrics).
    'slowed{phase:pause}': ['count>=0'],
    'still_sent_seconds{phase:pause}': ['max>=0'],
  },
}

export function setup() {
  requireStack()
}

const seenAfter = new Set<string>()

export default function () {
  const sent = Date.now()
  const phase = phaseAt(sent, EVENTS)
  const response = http.get(`${API}/api/whoami`, { tags: { phase } })
  const replica = replicaOf(response)
  if (response.timings.duration > SLOW_MS) {
    slowed.add(1, { phase })
    if (phase === 'pause') stillSentAfter.add((sent - eventTime(phase)) / 1000, { phase })
  }
  checkSaying(response, 'answered by a replica', (r) => r.status === 200 && REPLICAS.includes(replica))
  if (replica === TARGET && RETURNS.includes(phase) && !seenAfter.has(phase)) {
    seenAfter.add(phase)
    backAfter.add((sent - eventTime(phase)) / 1000, { event: phase })
    backSeen.add(1, { event: phase })
  }
}

export function handleSummary(data: Parameters<ReturnType<typeof report>>[0]) {
  const metric = (name: string) => data.metrics[name]?.values
  const back = (event: string) => metric(`target_back_seconds{event:${event}}`)?.min
  const pause = metric('http_req_duration{phase:pause}')
  const held = metric('slowed{phase:pause}')?.count ?? 0
  return report('failover', [
    `  ${TARGET} back in rotation ${back('start')?.toFixed(1) ?? 'never'} s after start, ` +
      `${back('unpause')?.toFixed(1) ?? 'never'} s after unpause`,
    `  while paused: p99 ${pause?.['p(99)']?.toFixed(0) ?? '-'} ms, max ${pause?.max?.toFixed(0) ?? '-'} ms, ` +
      `${held} requests over ${SLOW_MS} ms`,
  ])(data)
}
