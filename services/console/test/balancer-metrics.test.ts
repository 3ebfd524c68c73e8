import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDatagram } from '../src/access-log.ts'
import { BalancerMetrics } from '../src/balancer-metrics.ts'

const TAG = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
/** An access log line as nginx sends it: the upstreams it tried, and what each answered. */
const line = (status: number, upstreams: string, statuses: string) =>
  `<190>Nov 25 08:00:00 ${TAG}: {"uri":"/api/notes","status":${status},"upstream":"${upstreams}","upstream_status":"${statuses}","upstream_time":"","cache":""}`

test('nginx’s answers count by status class, and a request sent on to a second replica as retried', () => {
  const metrics = new BalancerMetrics()
  for (const datagram of [
    line(200, '127.0.0.1:3001', '200'),
    line(200, '127.0.0.1:3002, 127.0.0.1:3003', '502, 200'),
    line(503, '127.0.0.1:3001', '503'),
    line(404, '127.0.0.1:3003', '404'),
  ])
    metrics.add(parseDatagram(datagram, TAG) ?? assert.fail('not an entry'))
  const text = metrics.exposition()
  assert.match(text, /^nginx_proxied_responses_total\{code="2xx"\} 2$/m)
  assert.match(text, /^nginx_proxied_responses_total\{code="4xx"\} 1$/m)
  assert.match(text, /^nginx_proxied_responses_total\{code="5xx"\} 1$/m)
  assert.match(text, /^nginx_proxied_retries_total 1$/m)
})
