// Scaling out and in under steady load with POSTs (node loadtests/run.ts scale): the runner
// runs `make scale n=5`, then `make scale n=2`, mid-run. Each VU is one client with a session.
// Pass: no failed request of any method; every visit count read back is exactly what that VU
// wrote; and the replicas scaling out adds answer (how soon after the command is a figure in
// the report, not a threshold: container start-up on two shared cores varies).
// Each POST carries an Idempotency-Key, as the lab asks of any client that may retry: every
// `scale` reloads nginx, whose old workers close their idle keep-alive connections, and a
// client that sends its next request on one at that instant sees the connection reset. HTTP
// lets a client retry such a request only when it is idempotent or carries a key (Go's
// client, so k6, does then); without one, a POST fails (about 4 in 50,000 here, measured).
// The replicas drain before they stop, so no request is ever sent to one going away.
import http from 'k6/http'
import { Counter, Trend } from 'k6/metrics'
import {
  API,
  checkSaying,
  idempotencyKey,
  NOTHING_FAILS,
  replicaOf,
  requireStack,
  TREND_STATS,
} from './lib/config.ts'
import { clients } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

/** The replicas `make scale n=5` adds to app1-3. */
const ADDED = ['app4', 'app5']
const wrong = new Counter('wrong_counts')
const firstAnswer = new Trend('added_replica_first_answer_ms')

export const options = {
  scenarios: clients('scale', Number(__ENV.VUS || 12), Number(__ENV.SECONDS || 24)),
  noCookiesReset: true,
  summaryTrendStats: TREND_STATS,
  thresholds: {
    ...NOTHING_FAILS,
    wrong_counts: ['count==0'],
    // Listed so that the summary keeps each added replica's figure (none is a pass/fail line).
    ...Object.fromEntries(
      ADDED.map((replica) => [`added_replica_first_answer_ms{replica:${replica}}`, ['min>=0']]),
    ),
  },
}

export function setup() {
  requireStack()
}

let written = 0
const seen = new Set<string>()

export default function () {
  const visit = http.post(`${API}/api/visits`, null, { headers: { 'Idempotency-Key': idempotencyKey() } })
  if (visit.status === 200) written++
  const ok = checkSaying(
    visit,
    'visit counted, exactly',
    (r) => r.status === 200 && r.json('visits') === written,
  )
  if (!ok) wrong.add(1)
  const replica = replicaOf(visit)
  if (ADDED.includes(replica) && !seen.has(replica)) {
    seen.add(replica)
    firstAnswer.add(Date.now() - Number(__ENV.AT_scale_5), { replica })
  }
}

// biome-ignore lint/suspicious/noExplicitAny: k6's summary data
export function handleSummary(data: any) {
  // Per replica, and 'never' spelled out (the test fails on it): a threshold could not say it,
  // as k6 passes one on a metric with no samples.
  const first = ADDED.map((replica) => {
    const ms = data.metrics[`added_replica_first_answer_ms{replica:${replica}}`]?.values.min
    return `${replica} ${ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`}`
  })
  return report('scale', [`  first answers after \`make scale n=5\`: ${first.join(', ')}`])(data)
}
