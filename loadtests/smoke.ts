// Every route of the replica contract answers as specified, through nginx.
//   bin/k6 run loadtests/smoke.ts   (BASE_URL defaults to http://127.0.0.1:8080)
//   bin/k6 run -e BASE_PATH=/py -e REPLICAS=py1,py2,py3 loadtests/smoke.ts   (the Python sample)
import { check, group } from 'k6'
import http from 'k6/http'
import { API, CLIENT_IP, REPLICAS, replicaOf, requireStack, TREND_STATS } from './lib/config.ts'
import { report } from './lib/summary.ts'

export const options = {
  vus: 1,
  iterations: 3,
  summaryTrendStats: TREND_STATS,
  thresholds: { checks: ['rate==1'], http_req_failed: ['rate==0'] },
}

export function setup() {
  requireStack()
}

const json = { headers: { 'content-type': 'application/json' } }
const fromReplica = (r: http.RefinedResponse<'text'>) => REPLICAS.includes(replicaOf(r))

export default function () {
  group('health', () => {
    check(http.get(`${API}/health`), {
      'health 200 ok': (r) => r.status === 200 && r.json('status') === 'ok',
    })
    check(http.get(`${API}/ready`), {
      'ready 200': (r) => r.status === 200 && r.json('status') === 'ready',
    })
  })
  group('whoami', () => {
    const r = http.get(`${API}/api/whoami`)
    check(r, {
      'whoami names its replica': (res) => res.status === 200 && res.json('replica') === replicaOf(res),
      'X-Replica on the response': fromReplica,
      'client address is the peer': (res) => res.json('clientIp') === CLIENT_IP,
    })
  })
  group('sessions', () => {
    const first = http.post(`${API}/api/visits`)
    const second = http.post(`${API}/api/visits`)
    const read = http.get(`${API}/api/visits`)
    check(read, {
      'visits counted in the session': (r) =>
        r.status === 200 &&
        r.json('visits') === (first.json('visits') as number) + 1 &&
        second.status === 200,
    })
  })
  group('notes', () => {
    const created = http.post(`${API}/api/notes`, JSON.stringify({ text: 'smoke' }), json)
    check(created, { 'note created': (r) => r.status === 201 && typeof r.json('id') === 'number' })
    const read = http.get(`${API}/api/notes/${created.json('id')}`)
    check(read, {
      'note read back (read-your-writes)': (r) => r.status === 200 && r.json('note.text') === 'smoke',
      'says where it was read': (r) => ['replica', 'primary'].includes(r.json('servedBy') as string),
    })
    check(http.get(`${API}/api/notes?limit=5`), { 'recent notes': (r) => r.status === 200 })
    const bad = http.post(`${API}/api/notes`, JSON.stringify({ text: '' }), {
      ...json,
      responseCallback: http.expectedStatuses(400),
    })
    check(bad, { 'bad input is a JSON 400': (r) => r.status === 400 && typeof r.json('error') === 'string' })
  })
  group('work', () => {
    check(http.get(`${API}/api/work?ms=20`), {
      'work done': (r) => r.status === 200 && r.json('ms') === 20,
    })
    check(http.get(`${API}/api/work?cpu=5`), {
      'CPU work done': (r) => r.status === 200 && r.json('cpu') === 5,
    })
  })
  group('closed', () => {
    const metrics = http.get(`${API}/metrics`, { responseCallback: http.expectedStatuses(404) })
    check(metrics, { '/metrics not public': (r) => r.status === 404 && !fromReplica(r) })
  })
}

export const handleSummary = report('smoke')
