import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseWrk } from '../../loadtests/lib/wrk.ts'

// What wrk 4.1 (Debian) prints with --latency, as make bench reads it.
const printed = (tail = '') => `Running 1s test @ http://127.0.0.1:3001/api/whoami
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   365.35us  825.20us   9.74ms   94.66%
    Req/Sec    10.92k     2.05k   13.56k    70.00%
  Latency Distribution
     50%  146.00us
     75%  235.00us
     90%  637.00us
     99%    4.83ms
  10840 requests in 1.00s, 2.72MB read
${tail}Requests/sec:  10829.95
Transfer/sec:      2.71MB
`

describe('the balancer path benchmark reads wrk', () => {
  it('takes throughput and the percentiles, each in milliseconds whatever unit wrk chose', () => {
    const run = parseWrk(printed())
    assert.deepEqual(run, { requestsPerSecond: 10829.95, p50: 0.146, p99: 4.83, errors: 0 })
  })

  it('counts error answers and socket errors, so a failing path is not reported as a fast one', () => {
    const run = parseWrk(
      printed('  Socket errors: connect 0, read 3, write 0, timeout 2\n  Non-2xx or 3xx responses: 10\n'),
    )
    assert.equal(run.errors, 15)
  })

  it('refuses output without figures rather than reporting zeros', () => {
    assert.throws(
      () => parseWrk('unable to connect to 127.0.0.1:18080 Connection refused\n'),
      /no Requests\/sec/,
    )
  })
})
