// Uploads and fetches of media in a mix, at a steady rate, while the runner kills a replica and
// starts it again (node loadtests/run.ts media [py]). Each upload goes through a replica to the
// object store; each fetch is nginx's, from its cache or the store, never a replica's.
// Pass line: no failed request of either kind (an upload carries an Idempotency-Key, so nginx
// may retry one whose replica died); the cache hit ratio and both latencies are printed.
import http from 'k6/http'
import { Rate, Trend } from 'k6/metrics'
import {
  API,
  BASE_URL,
  checkSaying,
  idempotencyKey,
  NOTHING_FAILS,
  requireStack,
  TREND_STATS,
} from './lib/config.ts'
import { randomPng } from './lib/png.ts'
import { arrivals } from './lib/profiles.ts'
import { report } from './lib/summary.ts'

const hits = new Rate('media_cache_hit')
const uploadMs = new Trend('media_upload_ms', true)
const fetchMs = new Trend('media_fetch_ms', true)

export const options = {
  scenarios: arrivals('media', Number(__ENV.RATE || 40), Number(__ENV.SECONDS || 25), 100),
  summaryTrendStats: TREND_STATS,
  // The two fetch trends by cache status are k6 submetrics: it computes one only if a threshold names it.
  thresholds: {
    ...NOTHING_FAILS,
    'media_fetch_ms{cache:HIT}': ['max>=0'],
    'media_fetch_ms{cache:MISS}': ['max>=0'],
  },
}

export function setup() {
  requireStack()
}

/** What this VU uploaded: key and size, to fetch and check. */
const mine: Array<{ url: string; bytes: number }> = []

export default function () {
  // One upload in four; the rest fetch what this VU uploaded, as pages show an image many times.
  if (mine.length === 0 || Math.random() < 0.25) {
    const png = randomPng()
    const response = http.post(
      `${API}/api/media`,
      { file: http.file(png, 'load.png', 'image/png') },
      { headers: { 'Idempotency-Key': idempotencyKey() }, tags: { op: 'upload' } },
    )
    if (checkSaying(response, 'upload stored', (r) => r.status === 201)) {
      const { url } = response.json() as { url: string }
      mine.push({ url, bytes: png.byteLength })
      uploadMs.add(response.timings.duration)
    }
    return
  }
  const { url, bytes } = mine[Math.floor(Math.random() * mine.length)] as { url: string; bytes: number }
  const response = http.get(`${BASE_URL}${url}`, { tags: { op: 'fetch' }, responseType: 'binary' })
  checkSaying(
    response as unknown as http.RefinedResponse<'text'>,
    'media served by nginx, whole',
    (r) =>
      r.status === 200 && !r.headers['X-Replica'] && (r.body as unknown as ArrayBuffer).byteLength === bytes,
  )
  const cache = response.headers['X-Cache-Status'] ?? ''
  hits.add(cache === 'HIT')
  fetchMs.add(response.timings.duration, { cache })
}

export function handleSummary(data: Parameters<ReturnType<typeof report>>[0]) {
  const value = (name: string) => data.metrics[name]?.values
  const ms = (name: string) => {
    const v = value(name)
    return v ? `p50 ${v.med?.toFixed(1)} ms, p99 ${v['p(99)']?.toFixed(1)} ms` : 'none'
  }
  return report('media', [
    `  uploads: ${ms('media_upload_ms')}`,
    `  fetches from the cache: ${ms('media_fetch_ms{cache:HIT}')}; from the store (miss): ${ms('media_fetch_ms{cache:MISS}')}`,
    `  cache hit ratio ${((value('media_cache_hit')?.rate ?? 0) * 100).toFixed(1)}%`,
  ])(data)
}
