import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import pg from 'pg'
import { direct, env, pgLogin, SessionClient, TARGETS } from '../lib/stack.ts'

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
  it('caps the WAL the slot holds back, and the standby streams within the cap', async () => {
    const client = new pg.Client(pgLogin('pg-primary', 'superuser'))
    await client.connect()
    try {
      const cap = await client.query<{ max_slot_wal_keep_size: string }>('SHOW max_slot_wal_keep_size')
      assert.equal(cap.rows[0]?.max_slot_wal_keep_size, env.get('PG_MAX_SLOT_WAL_KEEP_SIZE'))
      // "reserved": the WAL the standby still needs is within the cap (past it: "unreserved",
      // then "lost", and the standby must be cloned again).
      const slot = await client.query<{ wal_status: string; active: boolean }>(
        'SELECT wal_status, active FROM pg_replication_slots WHERE slot_name = $1',
        [env.get('PG_REPLICATION_SLOT')],
      )
      assert.deepEqual(slot.rows[0], { wal_status: 'reserved', active: true })
    } finally {
      await client.end()
    }
  })
})
