import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import {
  burst,
  env,
  lab,
  replicaMetric,
  replicaUrl,
  SessionClient,
  shares,
  TARGETS,
  until,
} from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

/** Re-renders nginx with another strategy and reloads it, as `make up LB_STRATEGY=...` does. */
const useStrategy = (strategy: string, more: Record<string, string> = {}) =>
  lab(['up'], { LB_STRATEGY: strategy, ...more })

for (const { name, base, set, replicas } of TARGETS) {
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
      /** `busy`'s share of 60 requests while its work slots are all taken by requests sent to it
       * directly (not through nginx): what nginx's requests there wait for, it cannot see. The
       * slots stay taken until the 60 are answered (each hog asks again as soon as it is done),
       * however long that takes. 200 ms each, under WORK_QUEUE_TIMEOUT_MS: none is shed.
       * least_conn evens out the requests in flight, not the requests: a replica's share is its
       * throughput's, in-flight / duration. So nginx's requests are 1 ms of work: one that waits
       * for a slot of `busy` (up to 200 ms) lasts many times one elsewhere, and `busy` gets a few
       * percent. (At 20 ms the same arithmetic gives about 20%, and the line below was luck:
       * 17% measured once, the Python set in Docker mode.) */
      const shareWhileBusy = async (strategy: string) => {
        await useStrategy(strategy)
        let hogging = true
        const hogs = Array.from({ length: slots }, async () => {
          while (hogging) await fetch(`${replicaUrl(busy)}/api/work?ms=200`).then((r) => r.arrayBuffer())
        })
        try {
          await until(`${busy}'s ${slots} work slots taken`, async () => {
            return (await replicaMetric(busy, 'work_in_flight')) === slots
          })
          const hits = await burst(`${base}/api/work?ms=1`, 60, 6)
          assert.deepEqual(
            hits.filter((h) => h.status !== 200),
            [],
          )
          return shares(hits)[busy] ?? 0
        } finally {
          hogging = false
          await Promise.all(hogs)
        }
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

    it('sticky_cookie keeps each client on the replica its cookie names, and spreads new clients', async () => {
      await useStrategy('sticky_cookie')
      const route = `lb_route_${set}`
      // Twelve clients with no cookie of the app's: the balancer's own cookie is what binds them.
      const clients = Array.from({ length: 12 }, () => new SessionClient())
      const seen = await Promise.all(
        clients.map(async (client) => {
          const replicasOfOne = new Set<string>()
          for (let i = 0; i < 10; i++) {
            const { status, body } = await client.send(`${base}/api/whoami`)
            assert.equal(status, 200)
            replicasOfOne.add(body.replica)
          }
          assert.ok(client.jar.has(route), `no ${route} cookie: ${client.cookie}`)
          return [...replicasOfOne]
        }),
      )
      for (const replicasOfOne of seen) assert.equal(replicasOfOne.length, 1, JSON.stringify(seen))
      assert.ok(new Set(seen.flat()).size > 1, `every client on one replica: ${JSON.stringify(seen)}`)
    })

    it('ip_hash pins one client to one replica', async () => {
      await useStrategy('ip_hash')
      const hits = await measure(100, 4)
      assert.equal(hits.filter((h) => h.status !== 200).length, 0)
      assert.equal(Object.keys(shares(hits)).length, 1, JSON.stringify(shares(hits)))
    })

    it('hash_cookie keeps each session on one replica, and spreads requests that have none', async (t) => {
      await useStrategy('hash_cookie')
      // Twelve sessions, each made by its first POST, then ten requests each.
      const sessions = Array.from({ length: 12 }, () => new SessionClient())
      for (const client of sessions) await client.post(`${base}/api/visits`)
      const seen = await Promise.all(
        sessions.map(async (client) => {
          const replicas = new Set<string>()
          for (let i = 0; i < 10; i++) {
            const { status, body } = await client.post(`${base}/api/visits`)
            assert.equal(status, 200)
            replicas.add(body.replica)
          }
          return [...replicas]
        }),
      )
      for (const replicasOfOne of seen) assert.equal(replicasOfOne.length, 1, JSON.stringify(seen))
      // Sessions land on more than one replica (consistent hashing spreads them).
      assert.ok(new Set(seen.flat()).size > 1, `every session on one replica: ${JSON.stringify(seen)}`)
      // No cookie: hashed on the request id, so spread like random choice.
      const spread = shares(await burst(`${base}/api/whoami`, 300, 4))
      t.diagnostic(`hash_cookie, no cookie: ${JSON.stringify(spread)}`)
      for (const replica of replicas) {
        // A third each, give or take: five standard deviations of 300 random picks is ±14 points.
        assert.ok((spread[replica] ?? 0) > 0.19, `${replica}: ${JSON.stringify(spread)}`)
      }
    })

    it('weighted follows LB_WEIGHTS: 5,3,2 gives 50%, 30%, 20%', async (t) => {
      await useStrategy('weighted', { LB_WEIGHTS: '5,3,2' })
      const spread = shares(await measure(500, 4))
      t.diagnostic(`weighted 5,3,2: ${JSON.stringify(spread)}`)
      // nginx's smooth weighted round robin is exact over each cycle of ten picks (the zone
      // shares the state between workers): only the requests of the last, unfinished cycle
      // and the warm-up's leftovers move a share, by a point or so.
      replicas.forEach((replica, i) => {
        const expected = [0.5, 0.3, 0.2][i] ?? 0
        const share = spread[replica] ?? 0
        assert.ok(Math.abs(share - expected) <= 0.03, `${replica}: ${share} for ${expected}`)
      })
    })

    it('random_two spreads evenly, and like least_conn sends less to a slow replica', async (t) => {
      await useStrategy('random_two')
      const hits = await measure(300, 6)
      assert.deepEqual(
        hits.filter((h) => h.status !== 200),
        [],
      )
      assertSpread('random_two', shares(hits))
      const slow = replicas[1] as string
      await lab(['fault', slow, 'latency=300ms', 'routes=/api/whoami'])
      try {
        const share = shares(await burst(`${base}/api/whoami`, 60, 6))[slow] ?? 0
        t.diagnostic(`${slow}'s share with 300 ms added, random_two: ${(share * 100).toFixed(0)}%`)
        // Of two replicas drawn at random it takes the one with fewer requests open: the slow
        // one loses every draw once its requests pile up, and wins only while they do not.
        assert.ok(share < 0.2, `random_two gave ${slow} ${(share * 100).toFixed(0)}%`)
      } finally {
        await lab(['fault', slow, 'clear'])
      }
    })
  })
}
