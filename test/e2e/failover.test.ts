import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { burst, lab, TARGETS, waitForReplica } from '../lib/stack.ts'

const failed = (hits: { status: number }[]) => hits.filter((h) => h.status !== 200)

for (const { name, base, replicas } of TARGETS) {
  // The second replica of each set (app2, py2) is the one the stories break.
  const victim = replicas[1] as string

  describe(`failover through nginx (${name} replicas)`, () => {
    // Each story starts from a healthy stack with the victim in rotation, whatever the last one did.
    beforeEach(async () => {
      await lab(['unpause', victim]).catch(() => {})
      await lab(['start', victim])
      await waitForReplica(victim, 15_000, base)
    })

    it(`with ${victim} killed, 200 GETs get zero errors`, async () => {
      await lab(['kill', victim])
      try {
        const hits = await burst(`${base}/api/whoami`, 200, 4)
        assert.deepEqual(failed(hits), [])
        assert.equal(
          hits.some((h) => h.replica === victim),
          false,
        )
      } finally {
        await lab(['start', victim])
      }
    })

    it(`with ${victim} paused, every request succeeds within 3 s; unpaused, it is back within 15 s`, async (t) => {
      await lab(['pause', victim])
      let hits: Awaited<ReturnType<typeof burst>>
      try {
        hits = await burst(`${base}/api/whoami`, 60, 3)
      } finally {
        await lab(['unpause', victim])
      }
      assert.deepEqual(failed(hits), [])
      const slowest = Math.max(...hits.map((h) => h.ms))
      assert.ok(slowest < 3000, `slowest request took ${slowest.toFixed(0)} ms`)
      // The frozen replica was really tried (and cost its read timeout) before nginx moved on.
      assert.ok(
        slowest > 1000,
        `no request ever reached the paused replica (slowest ${slowest.toFixed(0)} ms)`,
      )

      const seconds = await waitForReplica(victim, 15_000, base)
      t.diagnostic(
        `paused ${victim}: slowest request ${slowest.toFixed(0)} ms; back in rotation ${seconds.toFixed(1)} s after unpause`,
      )
    })

    it(`stopping ${victim} (SIGTERM) during a stream of GETs loses none of them`, async () => {
      const stream = burst(`${base}/api/whoami`, 600, 4)
      await sleep(300)
      await lab(['stop', victim])
      const hits = await stream
      try {
        assert.deepEqual(failed(hits), [])
        assert.ok(
          hits.some((h) => h.replica === victim),
          `${victim} served nothing before it stopped`,
        )
      } finally {
        await lab(['start', victim])
      }
    })
  })
}

describe('make up on a stack with a paused replica', () => {
  it('unpauses it rather than calling the stack up with a frozen replica', async () => {
    await lab(['pause', 'app3'])
    try {
      assert.match(await lab(['up']), /app3 was paused; unpausing it/)
      await waitForReplica('app3', 15_000)
    } finally {
      await lab(['unpause', 'app3']).catch(() => {})
    }
  })
})
