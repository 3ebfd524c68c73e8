import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { hit, lab, replicaMetric, replicaUrl, TARGETS } from '../lib/stack.ts'

const table = JSON.parse(readFileSync(join(repoRoot, 'contract/fault-inputs.json'), 'utf8')) as {
  rejected: Array<{ body: unknown; message: string }>
}

/** A request to a replica directly, with its JSON answer and how long it took. */
async function call(
  url: string,
  method = 'GET',
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes; the tests assert on them
): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now()
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  })
  return { status: response.status, body: await response.json(), ms: performance.now() - started }
}

// The same contract from both implementations: one replica of each, set and read directly.
for (const { name, replicas } of TARGETS) {
  const replica = replicas[1] ?? replicas[0] ?? ''
  const faults = () => `${replicaUrl(replica)}/faults`

  describe(`faults on one replica, set at run time (${name}: ${replica})`, () => {
    after(() => call(faults(), 'DELETE'))

    it('refuses every malformed fault with the contract answer, and keeps the faults it had', async () => {
      await call(faults(), 'PUT', { latencyMs: 5 })
      for (const { body, message } of table.rejected) {
        const answer = await call(faults(), 'PUT', body)
        assert.deepEqual(
          [answer.status, answer.body],
          [400, { error: 'Bad Request', message }],
          JSON.stringify(body),
        )
      }
      assert.deepEqual((await call(faults())).body.faults, { latencyMs: 5 })
    })

    it('adds latency to the routes it names only, never to the probes; clearing ends it', async () => {
      const set = await call(faults(), 'PUT', { latencyMs: 300, jitterMs: 20, routes: ['/api/whoami'] })
      assert.equal(set.status, 200)
      assert.equal(set.body.replica, replica)
      assert.ok(set.body.setAt)
      assert.equal(await replicaMetric(replica, 'lab_fault_active', { fault: 'latency' }), 1)
      const slow = await call(`${replicaUrl(replica)}/api/whoami`)
      assert.ok(slow.ms >= 280, `whoami took ${slow.ms.toFixed(0)} ms`)
      for (const path of ['/health', '/api/work?ms=1']) {
        const fast = await call(`${replicaUrl(replica)}${path}`)
        assert.ok(fast.ms < 200, `${path} took ${fast.ms.toFixed(0)} ms`)
      }
      const cleared = await call(faults(), 'DELETE')
      assert.deepEqual([cleared.body.faults, cleared.body.setAt], [{}, null])
      assert.equal(await replicaMetric(replica, 'lab_fault_active', { fault: 'latency' }), 0)
      assert.ok((await call(`${replicaUrl(replica)}/api/whoami`)).ms < 200)
    })

    it('answers the chosen error status instead, and counts it', async () => {
      const counted = () => replicaMetric(replica, 'lab_fault_errors_total', { status_code: '503' })
      const before = (await counted()) ?? 0
      await call(faults(), 'PUT', { errorRate: 1, errorStatus: 503 })
      const answer = await call(`${replicaUrl(replica)}/api/whoami`)
      assert.deepEqual([answer.status, answer.body.message], [503, 'injected fault (make fault)'])
      assert.equal(await counted(), before + 1)
      assert.equal((await call(`${replicaUrl(replica)}/health`)).status, 200)
      await call(faults(), 'DELETE')
    })

    it('makes /ready say 503 while the process serves on', async () => {
      await call(faults(), 'PUT', { notReady: true })
      const ready = await call(`${replicaUrl(replica)}/ready`)
      assert.equal(ready.status, 503)
      assert.match(ready.body.message, /fault set \(make fault ready=no\)/)
      assert.equal((await call(`${replicaUrl(replica)}/api/whoami`)).status, 200)
      await call(faults(), 'DELETE')
      assert.equal((await call(`${replicaUrl(replica)}/ready`)).status, 200)
    })

    it('starts slow and warms up: the added latency shrinks to nothing over slowStartSeconds', async () => {
      await call(faults(), 'PUT', { latencyMs: 800, slowStartSeconds: 2 })
      const cold = await call(`${replicaUrl(replica)}/api/whoami`)
      await new Promise((resolve) => setTimeout(resolve, 2100))
      const warm = await call(`${replicaUrl(replica)}/api/whoami`)
      assert.ok(cold.ms >= 500, `cold: ${cold.ms.toFixed(0)} ms`)
      assert.ok(warm.ms < 200, `warm: ${warm.ms.toFixed(0)} ms`)
      await call(faults(), 'DELETE')
    })

    it('forgets its faults when the replica restarts', async () => {
      await call(faults(), 'PUT', { latencyMs: 100 })
      await lab(['restart', replica])
      assert.deepEqual((await call(faults())).body.faults, {})
    })
  })
}

describe('the fault switch is not reachable through nginx', () => {
  it('answers /faults itself, for every method and spelling, without a replica', async () => {
    for (const base of ['', '/py']) {
      for (const [path, method] of [
        ['/faults', 'GET'],
        ['/faults', 'PUT'],
        ['/faults', 'DELETE'],
        ['/faults/', 'GET'],
        ['//faults', 'GET'],
        ['/%66aults', 'GET'],
      ] as const) {
        const response = await hit(`${base}${path}`, { method })
        assert.ok([404, 405].includes(response.status), `${method} ${base}${path}: ${response.status}`)
        assert.equal(response.replica, null, `${method} ${base}${path} reached ${response.replica}`)
      }
    }
  })
})
