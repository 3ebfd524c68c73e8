import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { hit, lab, pgLogin, replicaCodeTargets, replicaUrl, SessionClient, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

/** True once the replica streams from the primary again (what "healthy" means for read routing). */
async function replicaStreaming(): Promise<boolean> {
  const client = new pg.Client(pgLogin('pg-replica', 'superuser'))
  await client.connect()
  try {
    const { rows } = await client.query<{ status: string }>('SELECT status FROM pg_stat_wal_receiver')
    return rows[0]?.status === 'streaming'
  } finally {
    await client.end()
  }
}

/** Each replica's uptime: one that restarted would start again from 0. (Not the pid: a Python
 * replica answers from any of its Gunicorn workers.) */
const replicaUptimes = async (replicas: readonly string[]): Promise<number[]> =>
  Promise.all(
    replicas.map(
      async (r) => (await new SessionClient().send(`${replicaUrl(r)}/api/whoami`)).body.uptimeSeconds,
    ),
  )

/** A replica's own /ready, asked directly (nginx passes /ready to whichever replica it picks). */
const readiness = (replica: string) => new SessionClient().send(`${replicaUrl(replica)}/ready`)

for (const { name, base, replicas } of replicaCodeTargets()) {
  describe(`dependency failures through nginx: explicit, fast, and over by themselves (${name} replicas)`, () => {
    // Whatever a story did, the next one starts with every dependency back.
    afterEach(async () => {
      for (const service of ['redis', 'pg-primary', 'pg-replica']) {
        await lab(['unpause', service]).catch(() => {})
        await lab(['start', service])
      }
      await until('replica streaming again', replicaStreaming)
    })

    it('Redis frozen: session routes answer 503, notes are read with or without a session, /health 200, all recover after', async (t) => {
      const client = new SessionClient()
      await client.post(`${base}/api/visits`)
      await lab(['pause', 'redis'])
      let during: Awaited<ReturnType<SessionClient['post']>>
      let readWithSession: Awaited<ReturnType<SessionClient['send']>>
      let readWithout: Awaited<ReturnType<SessionClient['send']>>
      let ready: Awaited<ReturnType<typeof hit>>
      let health: Awaited<ReturnType<typeof hit>>
      try {
        during = await client.post(`${base}/api/visits`)
        // The README's table: notes need no session (their writer's position is a cookie of its
        // own), so a client with a session reads them as one without does.
        readWithSession = await client.send(`${base}/api/notes?limit=1`)
        readWithout = await new SessionClient().send(`${base}/api/notes?limit=1`)
        ready = await hit(`${base}/ready`)
        health = await hit(`${base}/health`)
      } finally {
        await lab(['unpause', 'redis'])
      }

      // The replica's own 503, within its budget (REQUEST_DEADLINE_MS): past nginx's read timeout
      // this would be nginx's 504, and the replica counted as failed.
      assert.equal(during.status, 503)
      assert.deepEqual(during.body, { error: 'Service Unavailable', message: 'session store unavailable' })
      assert.equal(readWithSession.status, 200)
      assert.equal(readWithout.status, 200)
      assert.equal(ready.status, 503)
      assert.equal(health.status, 200)
      const seconds = await until(
        'visits after unpause',
        async () => (await client.post(`${base}/api/visits`)).status === 200,
      )
      t.diagnostic(
        `frozen Redis answered 503 in ${during.ms.toFixed(0)} ms; recovered ${seconds.toFixed(1)} s after unpause`,
      )
    })

    it('Redis stopped and started: 503 meanwhile, then the same replica processes serve again', async (t) => {
      const uptimes = await replicaUptimes(replicas)
      const client = new SessionClient()
      await lab(['stop', 'redis'])
      const during = await client.post(`${base}/api/visits`)
      assert.equal(during.status, 503)
      await lab(['start', 'redis'])

      // Each replica reconnects on its own (ioredis backs off up to 2 s between tries): every
      // one of them ready again, asked directly, is the state that must come.
      const seconds = await until('every replica ready after Redis restarted', async () => {
        const statuses = await Promise.all(replicas.map(async (r) => (await readiness(r)).status))
        return statuses.every((status) => status === 200)
      })
      assert.equal((await client.post(`${base}/api/visits`)).status, 200)
      const after = await replicaUptimes(replicas)
      after.forEach((uptime, i) => {
        assert.ok(
          uptime > (uptimes[i] ?? 0),
          `${replicas[i]} restarted: uptime ${uptimes[i]} s, then ${uptime} s`,
        )
      })
      t.diagnostic(`every replica ready ${seconds.toFixed(1)} s after Redis restarted, none restarted`)
    })

    it('standby stopped: reads succeed from the primary, and every replica stays ready', async () => {
      await lab(['stop', 'pg-replica'])
      const client = new SessionClient()
      for (let i = 0; i < 6; i++) {
        const read = await client.send(`${base}/api/notes?limit=1`)
        assert.equal(read.status, 200)
        assert.equal(read.body.servedBy, 'primary')
      }
      for (const replica of replicas) assert.equal((await readiness(replica)).status, 200, replica)
    })

    it('primary stopped: writes answer 503, reads and everything else keep working, /ready names it', async () => {
      await lab(['stop', 'pg-primary'])
      for (const replica of replicas) {
        const ready = await readiness(replica)
        assert.equal(ready.status, 503, replica)
        assert.match(ready.body.message, /^not ready: postgres down/, replica)
      }
      const client = new SessionClient()
      for (let i = 0; i < 6; i++) {
        const write = await client.post(`${base}/api/notes`, { text: 'while the primary is down' })
        assert.equal(write.status, 503)
        assert.equal(write.body.message, 'postgres primary unavailable')
        const read = await client.send(`${base}/api/notes?limit=1`)
        assert.equal(read.status, 200)
        assert.equal(read.body.servedBy, 'replica')
        // The replicas' 503s must not take them out of nginx's rotation.
        assert.equal((await hit(`${base}/api/whoami`)).status, 200)
      }
      await lab(['start', 'pg-primary'])
      assert.equal((await client.post(`${base}/api/notes`, { text: 'primary is back' })).status, 201)
    })
  })
}
