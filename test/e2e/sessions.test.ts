import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { replicaUrl, SessionClient } from '../lib/stack.ts'

describe('sessions live in Redis, not in a replica', () => {
  it('a session started on app1 is read back, unchanged, on app2 and app3', async () => {
    const client = new SessionClient()
    await client.post(`${replicaUrl('app1')}/api/visits`)
    const written = await client.post(`${replicaUrl('app1')}/api/visits`)
    assert.equal(written.body.visits, 2)

    for (const replica of ['app2', 'app3']) {
      const read = await client.send(`${replicaUrl(replica)}/api/visits`)
      assert.equal(read.status, 200)
      assert.deepEqual(read.body, { visits: 2, replica, replicasSeen: ['app1'] })
    }
  })

  it('100 concurrent increments of one session through nginx lose none', async () => {
    const client = new SessionClient()
    await client.post('/api/visits')
    const responses = await Promise.all(Array.from({ length: 100 }, () => client.post('/api/visits')))
    assert.deepEqual(
      responses.filter((r) => r.status !== 200),
      [],
    )

    const final = await client.send('/api/visits')
    assert.equal(final.body.visits, 101)
    // The increments raced on several replicas at once, not queued behind one.
    assert.ok(final.body.replicasSeen.length >= 2, JSON.stringify(final.body.replicasSeen))
  })
})
