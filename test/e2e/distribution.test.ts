import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { burst, env, lab, replicaUrl, shares, TARGETS } from '../lib/stack.ts'

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

  /**
   * `count` requests that each hold their connection for 20 ms, after a warm-up. least_conn
   * sends a request where the fewest are in flight: with requests that take well under a
   * millisecond, "in flight" is mostly zero everywhere, and the count only records which
   * replica happened to answer a hair faster (a warm keep-alive connection, a Gunicorn thread
   * already awake), so one replica could take over 40% on a fresh machine. Requests that take
   * a known time make in-flight counts what least_conn balances, as with real work.
   */
  const measure = async (count: number, concurrency: number) => {
    await burst(`${base}/api/work?ms=20`, 30, concurrency)
    return burst(`${base}/api/work?ms=20`, count, concurrency)
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

    it('least_conn sends less to a replica busy with other work; round_robin does not notice', async (t) => {
      const busy = replicas[0] as string
      const slots = Number(env.get('WORK_CONCURRENCY'))
      /** `busy`'s share of 60 requests while its work slots are full of 400 ms requests sent to
       * it directly (not through nginx): what nginx's requests there wait for, it cannot see.
       * 400 ms, under WORK_QUEUE_TIMEOUT_MS: they wait, and none is shed. */
      const shareWhileBusy = async (strategy: string) => {
        await useStrategy(strategy)
        const hog = Promise.all(
          Array.from({ length: slots }, () =>
            fetch(`${replicaUrl(busy)}/api/work?ms=400`).then((r) => r.arrayBuffer()),
          ),
        )
        await new Promise((resolve) => setTimeout(resolve, 50))
        // 60 requests of 20 ms, six at a time: about 200 ms, all of it while busy is busy.
        const hits = await burst(`${base}/api/work?ms=20`, 60, 6)
        await hog
        assert.deepEqual(
          hits.filter((h) => h.status !== 200),
          [],
        )
        return shares(hits)[busy] ?? 0
      }
      const roundRobin = await shareWhileBusy('round_robin')
      const leastConn = await shareWhileBusy('least_conn')
      t.diagnostic(
        `${busy}'s share while busy: round_robin ${(roundRobin * 100).toFixed(0)}%, least_conn ${(leastConn * 100).toFixed(0)}%`,
      )
      assert.ok(roundRobin > 0.28, `round_robin gave ${busy} ${(roundRobin * 100).toFixed(0)}%`)
      assert.ok(leastConn < 0.15, `least_conn gave ${busy} ${(leastConn * 100).toFixed(0)}%`)
    })

    it('least_conn sends less to a replica made slow with make fault; round_robin does not', async (t) => {
      const slow = replicas[1] as string
      await lab(['fault', slow, 'latency=300ms', 'routes=/api/whoami'])
      try {
        const shareWhileSlow = async (strategy: string) => {
          await useStrategy(strategy)
          const hits = await burst(`${base}/api/whoami`, 60, 6)
          assert.deepEqual(
            hits.filter((h) => h.status !== 200),
            [],
          )
          return shares(hits)[slow] ?? 0
        }
        const roundRobin = await shareWhileSlow('round_robin')
        const leastConn = await shareWhileSlow('least_conn')
        t.diagnostic(
          `${slow}'s share with 300 ms added: round_robin ${(roundRobin * 100).toFixed(0)}%, least_conn ${(leastConn * 100).toFixed(0)}%`,
        )
        assert.ok(roundRobin > 0.28, `round_robin gave ${slow} ${(roundRobin * 100).toFixed(0)}%`)
        assert.ok(leastConn < 0.15, `least_conn gave ${slow} ${(leastConn * 100).toFixed(0)}%`)
      } finally {
        await lab(['fault', slow, 'clear'])
      }
    })

    it('ip_hash pins one client to one replica', async () => {
      await useStrategy('ip_hash')
      const hits = await measure(100, 4)
      assert.equal(hits.filter((h) => h.status !== 200).length, 0)
      assert.equal(Object.keys(shares(hits)).length, 1, JSON.stringify(shares(hits)))
    })
  })
}
