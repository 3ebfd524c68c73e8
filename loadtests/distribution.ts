// Traffic spreads as the strategy promises. Constant arrival rate; each response is counted by
// the replica that answered (X-Replica). The pass/fail line is a threshold per replica:
//   EXPECT=even     (least_conn, round_robin, random_two): each share within ±10 points of 1/N
//   EXPECT=weighted (weighted): shares follow WEIGHTS (e.g. 5,3,2) within ±10 points
//   EXPECT=sticky   (ip_hash, hash_cookie): no client ever sees a second replica
//   bin/k6 run -e EXPECT=even loadtests/distribution.ts
import { check } from 'k6'
import http from 'k6/http'
import { Counter } from 'k6/metrics'
import { API, REPLICAS, replicaOf, requireStack, TREND_STATS } from './lib/config.ts'
import { arrivals } from './lib/profiles.ts'
import { report, sharesTable } from './lib/summary.ts'

const RATE = Number(__ENV.RATE || 100)
const SECONDS = Number(__ENV.SECONDS || 10)
const EXPECT = __ENV.EXPECT || 'even'
const TOLERANCE = 0.1
// Arrivals are fixed (and dropped iterations fail the run), so the total is known up front.
const TOTAL = RATE * SECONDS
// A second's arrivals, every VU made before the run: the replicas (or the machine) may stall for
// a moment, and an arrival that finds no VU free is dropped. With 20 made up front, the replicas
// paused for 0.4 s dropped 17 and failed the run.
const VUS = RATE

const hits = new Counter('replica_hits')
const switches = new Counter('client_replica_switches')

function expectedShares(): number[] {
  const weights =
    EXPECT === 'weighted' ? (__ENV.WEIGHTS || '5,3,2').split(',').map(Number) : REPLICAS.map(() => 1)
  const sum = weights.reduce((a, b) => a + b, 0)
  return weights.map((w) => w / sum)
}

function shareThresholds(): Record<string, string[]> {
  const shares = expectedShares()
  return Object.fromEntries(
    REPLICAS.map((replica, i) => {
      const share = shares[i] ?? 0
      // Sticky strategies put everything on one replica: only the count is reported.
      const bounds =
        EXPECT === 'sticky'
          ? ['count>=0']
          : [
              `count>=${Math.floor((share - TOLERANCE) * TOTAL)}`,
              `count<=${Math.ceil((share + TOLERANCE) * TOTAL)}`,
            ]
      return [`replica_hits{replica:${replica}}`, bounds]
    }),
  )
}

export const options = {
  scenarios: arrivals('distribution', RATE, SECONDS, VUS, VUS),
  // A VU is one client: it keeps its session cookie from one iteration to the next.
  noCookiesReset: true,
  summaryTrendStats: TREND_STATS,
  thresholds: {
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    dropped_iterations: ['count==0'],
    client_replica_switches: ['count==0'],
    ...shareThresholds(),
  },
}

export function setup() {
  requireStack()
}

// Module scope is per VU: each VU is one client with its own cookie jar and connections.
let mine = ''

export default function () {
  if (EXPECT === 'sticky' && mine === '') {
    // A session first, so hash_cookie has a cookie to stick on; its own answer is not counted.
    http.post(`${API}/api/visits`)
  }
  const response = http.get(`${API}/api/whoami`)
  const replica = replicaOf(response)
  check(response, { 'answered by a replica': (r) => r.status === 200 && REPLICAS.includes(replica) })
  hits.add(1, { replica })
  if (EXPECT === 'sticky') {
    if (mine !== '' && replica !== mine) switches.add(1)
    mine = replica
  }
}

export function handleSummary(data: Parameters<ReturnType<typeof report>>[0]) {
  const expected = expectedShares()
    .map((s) => `${(s * 100).toFixed(0)}%`)
    .join(' / ')
  return report(`distribution-${EXPECT}`, [
    `  expected ${EXPECT === 'sticky' ? 'one replica per client' : `${expected} ±${TOLERANCE * 100} points`}`,
    ...sharesTable(data, 'replica_hits'),
  ])(data)
}
