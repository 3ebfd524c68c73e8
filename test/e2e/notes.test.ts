import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { pgLogin, replicaCodeTargets, SessionClient } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const primary = new pg.Pool(pgLogin('pg-primary'))
const countNotes = async () => Number((await primary.query('SELECT count(*) FROM notes')).rows[0].count)

after(() => primary.end())

for (const { name, base } of replicaCodeTargets()) {
  describe(`notes through nginx: writes on the primary, reads from the replica (${name} replicas)`, () => {
    it('read-your-writes: 1,000 notes each read back at once in its session, none missed', async (t) => {
      const sessions = Array.from({ length: 4 }, () => new SessionClient())
      const served = { replica: 0, primary: 0 }
      let misses = 0
      await Promise.all(
        sessions.map(async (client, s) => {
          for (let i = 0; i < 250; i++) {
            const text = `ryw ${s}-${i}`
            const written = await client.post(`${base}/api/notes`, { text })
            assert.equal(written.status, 201)
            const read = await client.send(`${base}/api/notes/${written.body.id}`)
            if (read.status !== 200 || read.body.note.text !== text) misses++
            else served[read.body.servedBy as 'replica' | 'primary']++
          }
        }),
      )
      t.diagnostic(
        `reads right after their write: ${served.replica} from the replica, ${served.primary} from the primary`,
      )
      assert.equal(misses, 0)
      // The point of the replica: read-your-writes must not send every read back to the primary.
      // The standby replays a write within milliseconds; most reads made right after it find it
      // there (95-99% measured here, in both modes): at least 80%.
      assert.ok(served.replica >= 800, `only ${served.replica} of 1,000 reads served by the replica`)
    })

    it('bad input gets a JSON 4xx and writes nothing', async () => {
      const before = await countNotes()
      const client = new SessionClient()
      const attempts: Array<[RequestInit, number]> = [
        [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":""}' }, 400],
        [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text: 'x'.repeat(1001) }),
          },
          400,
        ],
        [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":42}' }, 400],
        [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": "a",' }, 400],
        [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a note' }, 415],
      ]
      for (const [init, status] of attempts) {
        const response = await client.send(`${base}/api/notes`, init)
        assert.equal(response.status, status, String(init.body))
        assert.equal(typeof response.body.error, 'string')
        assert.equal(typeof response.body.message, 'string')
      }
      const unknown = await client.send(`${base}/api/notes/987654321098`)
      assert.equal(unknown.status, 404)
      assert.equal(await countNotes(), before)
    })

    it('an Idempotency-Key writes a note once: a repeat gets the first answer, another request a 422', async () => {
      const before = await countNotes()
      const client = new SessionClient()
      const key = `note-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
      const post = (text: string, idempotencyKey = key) =>
        client.send(`${base}/api/notes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify({ text }),
        })

      // What nginx does with a keyed POST whose replica died before answering: send it again.
      const first = await post('written once')
      const repeats = await Promise.all([post('written once'), post('written once')])
      assert.equal(first.status, 201)
      for (const repeat of repeats) {
        assert.equal(repeat.status, 201)
        assert.deepEqual(repeat.body, first.body)
      }
      const other = await post('a different note')
      assert.equal(other.status, 422)
      assert.deepEqual(other.body, {
        error: 'Unprocessable Entity',
        message: 'Idempotency-Key already used for a different request',
      })
      // A malformed or too long key: the same 400 from both implementations, on every keyed route.
      for (const bad of ['short', 'k'.repeat(65), 'has a space']) {
        for (const route of ['/api/notes', '/api/visits']) {
          const note = route === '/api/notes'
          const response = await client.send(`${base}${route}`, {
            method: 'POST',
            headers: { 'idempotency-key': bad, ...(note ? { 'content-type': 'application/json' } : {}) },
            ...(note ? { body: '{"text":"x"}' } : {}),
          })
          assert.equal(response.status, 400, `${route} ${bad}`)
          assert.deepEqual(response.body, {
            error: 'Bad Request',
            message: 'headers/idempotency-key must match pattern "^[A-Za-z0-9_-]{8,64}$"',
          })
        }
      }
      assert.equal(await countNotes(), before + 1)
    })
  })
}
