import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDatagram } from '../src/access-log.ts'
import type { LabState } from '../src/lab-state.ts'
import { Traffic, WINDOW_MS } from '../src/stats.ts'

const TAG = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
const state: LabState = {
  version: 'v',
  syslogTag: TAG,
  strategy: 'least_conn',
  drained: [],
  maxFails: 2,
  failTimeoutMs: 5000,
  sets: {
    app: {
      label: 'TypeScript app',
      base: '',
      replicas: [
        { name: 'app1', address: '127.0.0.1:3001' },
        { name: 'app2', address: '127.0.0.1:3002' },
      ],
    },
  },
}
/** A datagram as nginx sends it (syslog header, then the lab_json line). */
const line = (upstream: string, status: string, time: string, final = 200, tag = TAG) =>
  `<190>Nov 25 08:00:00 ${tag}: {"uri":"/api/whoami","status":${final},"upstream":"${upstream}","upstream_status":"${status}","upstream_time":"${time}"}`

const entry = (text: string, at: number) =>
  parseDatagram(text, TAG, at) ?? assert.fail(`not an entry: ${text}`)

test("nginx's log line says which replicas it tried, what each answered and how long it took", () => {
  const entry = parseDatagram(line('127.0.0.1:3002, 127.0.0.1:3001', '502, 200', '0.000, 0.004'), TAG, 1000)
  assert.deepEqual(entry, {
    at: 1000,
    uri: '/api/whoami',
    status: 200,
    attempts: [
      { address: '127.0.0.1:3002', status: 502, ms: 0 },
      { address: '127.0.0.1:3001', status: 200, ms: 4 },
    ],
    cache: '',
  })
  // nginx answered itself (a 429, /static/): no replica involved, nothing to count.
  assert.equal(parseDatagram(line('', '', '', 429), TAG), undefined)
  assert.equal(parseDatagram(`<190>Nov 25 08:00:00 ${TAG}: not json`, TAG), undefined)
})

test('a line without nginx’s tag is not counted: anyone can send the console a datagram', () => {
  const forged = line('127.0.0.1:3002', '500', '0.001')
  assert.equal(parseDatagram(forged.replace(TAG, 'lb'), TAG), undefined)
  assert.equal(parseDatagram(forged.replace(TAG, `x${TAG}`), TAG), undefined)
  assert.equal(parseDatagram(forged, ''), undefined, 'no tag known yet: nothing counted')
  assert.ok(parseDatagram(forged, TAG))
})

test('a retried request counts for the replica that answered; the one that failed gets an error and a retry', () => {
  const traffic = new Traffic()
  const now = 10_000
  for (let i = 0; i < 3; i++) traffic.add(entry(line('127.0.0.1:3001', '200', '0.002'), now))
  traffic.add(entry(line('127.0.0.1:3002, 127.0.0.1:3001', '502, 200', '0.000, 0.003'), now))
  const summary = traffic.summary(state, now)
  assert.equal(summary.app1?.share, 1)
  assert.equal(summary.app1?.rps, 4 / (WINDOW_MS / 1000))
  assert.deepEqual([summary.app2?.share, summary.app2?.errors, summary.app2?.retried], [0, 1, 1])
  assert.equal(summary.app1?.p50Ms, 2)
})

test('only the last WINDOW_MS counts', () => {
  const traffic = new Traffic()
  traffic.add(entry(line('127.0.0.1:3002', '200', '0.001'), 1000))
  traffic.add(entry(line('127.0.0.1:3001', '200', '0.001'), 1000 + WINDOW_MS + 500))
  const summary = traffic.summary(state, 1000 + WINDOW_MS + 500)
  assert.deepEqual([summary.app1?.share, summary.app2?.share], [1, 0])
})
