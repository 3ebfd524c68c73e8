import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { direct, env, lab, pgLogin, SessionClient, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

describe('Redis is bounded and keeps what the lab promises', () => {
  const redis = new Redis({ ...direct('redis'), password: env.get('REDIS_PASSWORD'), lazyConnect: true })
  const FILLER = 'lab:test:filler:'
  after(async () => {
    await redis.config('SET', 'maxmemory', env.get('REDIS_MAXMEMORY'))
    const fillers = await redis.keys(`${FILLER}*`)
    if (fillers.length > 0) await redis.del(...fillers)
    redis.disconnect()
  })

  it('filled to its cap: new sessions refused, nothing evicted, existing users keep reading and writing notes', async (t) => {
    await redis.connect()
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string]
    const [, cap] = (await redis.config('GET', 'maxmemory')) as [string, string]
    assert.equal(policy, 'noeviction')
    assert.ok(Number(cap) > 0, `maxmemory ${cap}`)

    // Before: a user of each app with a session (one visit) and a note of its own.
    const users = await Promise.all(
      TARGETS.map(async ({ base }) => {
        const client = new SessionClient()
        assert.equal((await client.post(`${base}/api/visits`)).status, 200)
        const note = await client.post(`${base}/api/notes`, { text: 'before the cap' })
        assert.equal(note.status, 201)
        return { base, client, note: note.body.id as number }
      }),
    )

    // Filled for real, to a cap a few megabytes above what it holds: until Redis refuses a write.
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1])
    await redis.config('SET', 'maxmemory', String(used + 4 * 2 ** 20))
    let filled = 0
    const chunk = 'x'.repeat(64 * 1024)
    while (filled < 1000) {
      const error = await redis.set(`${FILLER}${filled}`, chunk).then(
        () => undefined,
        (err: Error) => err.message,
      )
      if (error) {
        assert.match(error, /^OOM /)
        break
      }
      filled++
    }
    assert.ok(filled < 1000, 'Redis took 64 MB past a cap 4 MB away')
    // Held there: the cap drops a megabyte under what Redis now holds, so memory freed meanwhile
    // (a key expiring, the refused SET's 64 KB buffer) cannot let one more write in by chance.
    const held = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1])
    await redis.config('SET', 'maxmemory', String(held - 2 ** 20))
    const evicted = async () => Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))?.[1])
    const evictedBefore = await evicted()

    for (const { base, client, note } of users) {
      // A new session is refused: it would need memory Redis has not got (and will not evict for).
      const fresh = await new SessionClient().post(`${base}/api/visits`)
      assert.deepEqual([fresh.status, fresh.body.message], [503, 'session store unavailable'], base)
      // One who has a session keeps reading it, and keeps reading and writing notes (which need
      // no session: their writer's position is a cookie of its own).
      const visits = await client.send(`${base}/api/visits`)
      assert.deepEqual([visits.status, visits.body.visits], [200, 1], `${base}: reads its visits`)
      assert.equal((await client.send(`${base}/api/notes/${note}`)).status, 200, `${base}: reads its note`)
      assert.equal(
        (await client.post(`${base}/api/notes`, { text: 'at the cap' })).status,
        201,
        `${base}: writes`,
      )
      assert.equal((await new SessionClient().post(`${base}/api/notes`, { text: 'no session' })).status, 201)
      // A visit is counted in Redis, beside the session: refused at the cap like any Redis write.
      assert.equal((await client.post(`${base}/api/visits`)).status, 503, `${base}: a visit at the cap`)
    }
    // Nothing was evicted to make room.
    assert.equal(await evicted(), evictedBefore)
    assert.equal((await redis.keys(`${FILLER}*`)).length, filled)
    t.diagnostic(`filled with ${filled} keys of 64 KB to a cap of ${(used / 2 ** 20 + 4).toFixed(0)} MB`)

    // Below the cap again, every session from before is there, its count intact.
    await redis.config('SET', 'maxmemory', env.get('REDIS_MAXMEMORY'))
    for (const { base, client } of users) {
      const next = await client.post(`${base}/api/visits`)
      assert.deepEqual([next.status, next.body.visits], [200, 2], base)
    }
  })
})

describe("the replication slot cannot fill the primary's disk", () => {
  const slotName = env.get('PG_REPLICATION_SLOT')
  const primary = new pg.Client(pgLogin('pg-primary', 'superuser'))
  before(() => primary.connect())
  after(() => primary.end())

  const slot = async () =>
    (
      await primary.query<{ wal_status: string; active: boolean }>(
        'SELECT wal_status, active FROM pg_replication_slots WHERE slot_name = $1',
        [slotName],
      )
    ).rows[0]
  const primaryLsn = async () =>
    (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0]?.lsn ?? ''
  /** Whether the standby has replayed the primary's WAL up to `lsn`, asked for `ms` at most. */
  const standbyReaches = async (lsn: string, ms: number): Promise<boolean> => {
    const standby = new pg.Client(pgLogin('pg-replica', 'superuser'))
    await standby.connect()
    try {
      const deadline = Date.now() + ms
      do {
        const { rows } = await standby.query<{ caught_up: boolean }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up',
          [lsn],
        )
        if (rows[0]?.caught_up) return true
        await sleep(200)
      } while (Date.now() < deadline)
      return false
    } finally {
      await standby.end()
    }
  }

  it('caps the WAL the slot holds back, and the standby streams within the cap', async () => {
    const cap = await primary.query<{ max_slot_wal_keep_size: string }>('SHOW max_slot_wal_keep_size')
    assert.equal(cap.rows[0]?.max_slot_wal_keep_size, env.get('PG_MAX_SLOT_WAL_KEEP_SIZE'))
    // "reserved": the WAL the standby still needs is within the cap.
    assert.deepEqual(await slot(), { wal_status: 'reserved', active: true })
  })

  it('past the cap the standby is lost for good, and make reclone brings it back', async () => {
    let recloned = false
    try {
      await lab(['stop', 'pg-replica'])
      // Switching to a new WAL segment after a tiny record moves the primary 16 MB on: a few
      // seconds to pass a 1 GB cap. The checkpoint is what deletes the WAL past it.
      const { rows } = await primary.query<{ bytes: string }>(
        "SELECT pg_size_bytes(current_setting('max_slot_wal_keep_size')) AS bytes",
      )
      const segments = Number(rows[0]?.bytes) / (16 * 1024 * 1024) + 16
      for (let i = 1; i <= segments && (await slot())?.wal_status !== 'lost'; i++) {
        await primary.query("SELECT pg_logical_emit_message(false, 'lb-lab', 'filler'), pg_switch_wal()")
        if (i % 8 === 0) await primary.query('CHECKPOINT')
      }
      assert.equal((await slot())?.wal_status, 'lost')

      // Started again, the standby serves its old data but can never stream the rest.
      await lab(['start', 'pg-replica'])
      assert.equal(await standbyReaches(await primaryLsn(), 3000), false, 'a lost standby caught up')

      await lab(['reclone'])
      recloned = true
      assert.deepEqual(await slot(), { wal_status: 'reserved', active: true })
      assert.equal(await standbyReaches(await primaryLsn(), 10_000), true, 'the new clone streams')
    } finally {
      if (!recloned) await lab(['reclone'])
    }
  })
})
