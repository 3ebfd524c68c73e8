import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, afterEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { lab, pgLogin, replicaCodeTargets, SessionClient, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

/** The primary, as the lab's app user: what is really stored, whatever the answers said. */
const primary = new pg.Pool({ ...pgLogin('pg-primary'), max: 2 })
after(() => primary.end())

const stored = async (text: string) =>
  (await primary.query('SELECT 1 FROM notes WHERE text = $1', [text])).rowCount === 1
/** Statements of the replicas' user still running (or transactions still open) on the primary. */
const runningStatements = async () =>
  Number(
    (
      await primary.query(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND state <> 'idle' AND pid <> pg_backend_pid()",
      )
    ).rows[0].count,
  )

for (const { name, base } of replicaCodeTargets()) {
  describe(`a write's answer says what happened to it (${name} replicas)`, () => {
    afterEach(async () => {
      for (const service of ['redis', 'pg-primary']) await lab(['unpause', service]).catch(() => {})
    })

    it('a note written while Redis is frozen is a 201, and its writer reads it back: notes need no session', async () => {
      const client = new SessionClient()
      assert.equal((await client.post(`${base}/api/visits`)).status, 200) // a session it also has
      const text = `written while Redis froze ${randomUUID()}`
      await lab(['pause', 'redis'])
      let written: Awaited<ReturnType<SessionClient['post']>>
      let read: Awaited<ReturnType<SessionClient['send']>>
      try {
        written = await client.post(`${base}/api/notes`, { text })
        read = await client.send(`${base}/api/notes/${written.body.id}`)
      } finally {
        await lab(['unpause', 'redis'])
      }
      assert.equal(written.status, 201, JSON.stringify(written.body))
      assert.equal(await stored(text), true)
      assert.equal(read.status, 200)
      assert.equal(read.body.note.text, text)
    })

    it('under a write loop with the primary frozen for 2 s, no 503 was written and nginx never timed out', async () => {
      const answers: Array<{ text: string; status: number; code?: string }> = []
      let writing = true
      const writers = Array.from({ length: 6 }, async () => {
        const client = new SessionClient()
        while (writing) {
          const text = `write loop ${randomUUID()}`
          const { status, body } = await client.post(`${base}/api/notes`, { text })
          answers.push({ text, status, code: body?.code })
        }
      })
      try {
        // Writes before, during (the primary frozen for 2 s) and after: counted, not timed.
        await until('writes under way', async () => answers.length >= 12)
        await lab(['pause', 'pg-primary'])
        await sleep(2000)
        await lab(['unpause', 'pg-primary'])
        const thawed = answers.length
        await until('writes after the thaw', async () => answers.slice(thawed).some((a) => a.status === 201))
      } finally {
        writing = false
        await Promise.all(writers)
        await lab(['unpause', 'pg-primary']) // a no-op unless a step above failed while it was frozen
      }
      // A COMMIT sent while the primary was frozen may still be running: what is stored is read
      // once no statement of the replicas' is.
      await until('no write still running on the primary', async () => (await runningStatements()) === 0)

      const count = (status: number) => answers.filter((a) => a.status === status).length
      assert.ok(
        count(503) + count(504) > 0,
        `the freeze was felt: ${JSON.stringify(answers.map((a) => a.status))}`,
      )
      for (const answer of answers) {
        assert.ok([201, 503, 504].includes(answer.status), `unexpected ${answer.status}`)
        // A 504 here is the replica's "outcome unknown", never nginx giving up on a replica.
        if (answer.status === 504) assert.equal(answer.code, 'outcome_unknown')
        if (answer.status === 201)
          assert.equal(await stored(answer.text), true, `201 but not stored: ${answer.text}`)
        if (answer.status === 503)
          assert.equal(await stored(answer.text), false, `503 but stored: ${answer.text}`)
      }
    })
  })
}
