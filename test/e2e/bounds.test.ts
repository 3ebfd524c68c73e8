import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { direct, env, SessionClient, TARGETS } from '../lib/stack.ts'

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
