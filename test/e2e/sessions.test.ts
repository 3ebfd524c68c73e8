import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import { replicaUrl, SessionClient, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

for (const { name, base, replicas } of TARGETS) {
  const [first, ...others] = replicas as [string, ...string[]]

  describe(`sessions live in Redis, not in a replica (${name} replicas)`, () => {
    it(`a session started on ${first} is read back, unchanged, on ${others.join(' and ')}`, async () => {
      const client = new SessionClient()
      await client.post(`${replicaUrl(first)}/api/visits`)
      const written = await client.post(`${replicaUrl(first)}/api/visits`)
      assert.equal(written.body.visits, 2)

      for (const replica of others) {
        const read = await client.send(`${replicaUrl(replica)}/api/visits`)
        assert.equal(read.status, 200)
        assert.deepEqual(read.body, { visits: 2, replica, replicasSeen: [first] })
      }
    })

    it('100 concurrent increments of one session through nginx lose none', async () => {
      const client = new SessionClient()
      await client.post(`${base}/api/visits`)
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => client.post(`${base}/api/visits`)),
      )
      assert.deepEqual(
        responses.filter((r) => r.status !== 200),
        [],
      )

      const final = await client.send(`${base}/api/visits`)
      assert.equal(final.body.visits, 101)
      // The increments raced on several replicas at once, not queued behind one.
      assert.ok(final.body.replicasSeen.length >= 2, JSON.stringify(final.body.replicasSeen))
    })
  })
}
