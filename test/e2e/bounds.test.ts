import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import pg from 'pg'
import { direct, env, lab, pgLogin, SessionClient, TARGETS } from '../lib/stack.ts'

describe('Redis is bounded and keeps what the lab promises', () => {
  const redis = new Redis({ ...direct('redis'), password: env.get('REDIS_PASSWORD'), lazyConnect: true })
  after(async () => {
    await redis.config('SET', 'maxmemory', env.get('REDIS_MAXMEMORY'))
    redis.disconnect()
  })

  it('has a memory cap and never evicts: at the cap new sessions answer 503, and none is lost', async () => {
    await redis.connect()
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string]
    const [, cap] = (await redis.config('GET', 'maxmemory')) as [string, string]
    assert.equal(policy, 'noeviction')
    assert.ok(Number(cap) > 0, `maxmemory ${cap}`)

    const clients = TARGETS.map(() => new SessionClient())
    for (const [i, { base }] of TARGETS.entries()) await clients[i]?.post(`${base}/api/visits`)
    // The cap reached (1 byte): Redis refuses every write rather than evict anything.
    await redis.config('SET', 'maxmemory', '1')
    try {
      for (const { base } of TARGETS) {
        const fresh = await new SessionClient().post(`${base}/api/visits`)
        assert.equal(fresh.status, 503, `${base}: a new session at the cap`)
        assert.equal(fresh.body.message, 'session store unavailable')
      }
    } finally {
      await redis.config('SET', 'maxmemory', env.get('REDIS_MAXMEMORY'))
    }
    // Below the cap again, every session from before is there, its count intact.
    for (const [i, { base }] of TARGETS.entries()) {
      const next = await clients[i]?.post(`${base}/api/visits`)
      assert.equal(next?.status, 200, base)
      assert.equal(next?.body.visits, 2, base)
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
