import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activeKinds, affects, latencyNow } from '../src/lab/faults.ts'

test('latency: the set amount, give or take the jitter, and nothing without a base latency', () => {
  assert.equal(latencyNow({ latencyMs: 300 }, 0, 0.9), 300)
  assert.equal(latencyNow({ latencyMs: 300, jitterMs: 50 }, 0, 0), 250)
  assert.equal(latencyNow({ latencyMs: 300, jitterMs: 50 }, 0, 0.999_999), 350)
  assert.equal(latencyNow({ jitterMs: 50 }, 0, 0.9), 0)
})

test('slow start: the latency shrinks in a straight line to nothing over slowStartSeconds', () => {
  const cold = { latencyMs: 1000, slowStartSeconds: 10 }
  assert.equal(latencyNow(cold, 0, 0.5), 1000)
  assert.equal(latencyNow(cold, 5000, 0.5), 500)
  assert.equal(latencyNow(cold, 10_000, 0.5), 0)
  assert.equal(latencyNow(cold, 60_000, 0.5), 0)
  assert.deepEqual(activeKinds(cold), ['slow_start'])
})

test('the probes and the switch itself are never affected; routes narrows the rest', () => {
  for (const path of ['/health', '/ready', '/metrics', '/faults', '/ready?x=1'])
    assert.equal(affects({}, path), false)
  assert.equal(affects({}, '/api/whoami'), true)
  assert.equal(affects({ routes: ['/api/notes'] }, '/api/notes/7'), true)
  assert.equal(affects({ routes: ['/api/notes'] }, '/api/whoami'), false)
})
