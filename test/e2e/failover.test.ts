import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { burst, lab, waitForReplica } from '../lib/stack.ts'

const failed = (hits: { status: number }[]) => hits.filter((h) => h.status !== 200)

describe('failover through nginx', () => {
  // Each story starts from a healthy stack with app2 in rotation, whatever the last one did.
  beforeEach(async () => {
    await lab(['unpause', 'app2']).catch(() => {})
    await lab(['start', 'app2'])
    await waitForReplica('app2', 15_000)
  })

  it('with app2 killed, 200 GETs get zero errors', async () => {
    await lab(['kill', 'app2'])
    try {
      const hits = await burst('/api/whoami', 200, 4)
      assert.deepEqual(failed(hits), [])
      assert.equal(
        hits.some((h) => h.replica === 'app2'),
        false,
      )
    } finally {
      await lab(['start', 'app2'])
    }
  })

  it('with app2 paused, every request succeeds within 3 s; unpaused, app2 is back within 15 s', async (t) => {
    await lab(['pause', 'app2'])
    let hits: Awaited<ReturnType<typeof burst>>
    try {
      hits = await burst('/api/whoami', 60, 3)
    } finally {
      await lab(['unpause', 'app2'])
    }
    assert.deepEqual(failed(hits), [])
    const slowest = Math.max(...hits.map((h) => h.ms))
    assert.ok(slowest < 3000, `slowest request took ${slowest.toFixed(0)} ms`)
    // The frozen replica was really tried (and cost its read timeout) before nginx moved on.
    assert.ok(slowest > 1000, `no request ever reached the paused replica (slowest ${slowest.toFixed(0)} ms)`)

    const seconds = await waitForReplica('app2', 15_000)
    t.diagnostic(
      `paused app2: slowest request ${slowest.toFixed(0)} ms; back in rotation ${seconds.toFixed(1)} s after unpause`,
    )
  })

  it('stopping app2 (SIGTERM) during a stream of GETs loses none of them', async () => {
    const stream = burst('/api/whoami', 600, 4)
    await sleep(300)
    await lab(['stop', 'app2'])
    const hits = await stream
    try {
      assert.deepEqual(failed(hits), [])
      assert.ok(
        hits.some((h) => h.replica === 'app2'),
        'app2 served nothing before it stopped',
      )
    } finally {
      await lab(['start', 'app2'])
    }
  })
})
