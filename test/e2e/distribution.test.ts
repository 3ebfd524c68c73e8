import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { burst, lab, shares, TARGETS } from '../lib/stack.ts'

/** Re-renders nginx with another strategy and reloads it, as `make up LB_STRATEGY=...` does. */
const useStrategy = (strategy: string) => lab(['up'], { LB_STRATEGY: strategy })

for (const { name, base, replicas } of TARGETS) {
  const assertSpread = (label: string, spread: Record<string, number>) => {
    for (const replica of replicas) {
      const share = spread[replica] ?? 0
      assert.ok(share > 0, `${label}: ${replica} got no traffic: ${JSON.stringify(spread)}`)
      assert.ok(
        share <= 0.4,
        `${label}: ${replica} got ${(share * 100).toFixed(0)}%: ${JSON.stringify(spread)}`,
      )
    }
  }

  /** `count` requests after a warm-up: least_conn favours whichever replica answers faster, and
   * a replica's first requests (new worker threads, first pool connections) are slower. */
  const measure = async (count: number, concurrency: number) => {
    await burst(`${base}/api/whoami`, 60, concurrency)
    return burst(`${base}/api/whoami`, count, concurrency)
  }

  describe(`distribution through nginx (${name} replicas)`, () => {
    after(() => useStrategy('least_conn'))

    it('least_conn spreads 300 requests over all three replicas, none above 40%', async () => {
      await useStrategy('least_conn')
      const hits = await measure(300, 6)
      assert.deepEqual(
        hits.filter((h) => h.status !== 200),
        [],
      )
      assertSpread('least_conn', shares(hits))
    })

    it('round_robin does the same', async () => {
      await useStrategy('round_robin')
      const hits = await measure(300, 6)
      assert.equal(hits.filter((h) => h.status !== 200).length, 0)
      assertSpread('round_robin', shares(hits))
    })

    it('ip_hash pins one client to one replica', async () => {
      await useStrategy('ip_hash')
      const hits = await measure(100, 4)
      assert.equal(hits.filter((h) => h.status !== 200).length, 0)
      assert.equal(Object.keys(shares(hits)).length, 1, JSON.stringify(shares(hits)))
    })
  })
}
