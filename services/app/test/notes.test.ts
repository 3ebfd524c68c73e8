import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Signer } from '@fastify/cookie'
import { NOTE_MAX_LENGTH } from '../src/routes/notes.ts'
import { appFor, countNotes, postNote } from './helpers.ts'

describe('notes', () => {
  it('writes a note on the primary and reads it back, with no session: its writer carries the position', async (t) => {
    const app = await appFor(t)
    const created = await postNote(app, { text: 'hi' })
    assert.equal(created.statusCode, 201)
    const { id } = created.json()
    // No session is made for a write: only the signed cookie with the write's WAL position.
    assert.deepEqual(
      created.cookies.map((c) => c.name),
      ['lab_sid_rw'],
    )
    const written = created.cookies[0]
    assert.equal(written?.maxAge, app.config.READ_YOUR_WRITES_SECONDS)
    assert.equal(written?.httpOnly, true)
    const cookie = `${written?.name}=${written?.value}`

    const read = await app.inject({ url: `/api/notes/${id}`, headers: { cookie } })
    assert.equal(read.statusCode, 200)
    const body = read.json()
    assert.equal(body.note.text, 'hi')
    assert.equal(body.note.writtenBy, 'test-replica')
    assert.ok(['replica', 'primary'].includes(body.servedBy))

    const list = await app.inject({ url: '/api/notes?limit=5', headers: { cookie } })
    assert.ok(list.json().notes.some((n: { id: number }) => n.id === id))
  })

  it('sends a reader whose write the standby has not replayed to the primary; drops a forged position', async (t) => {
    const app = await appFor(t)
    const cookie = (await postNote(app, { text: 'far ahead' })).cookies[0]
    assert.ok(cookie)
    // A position far past anything replayed: signed as the replica signs it, so only the primary can answer.
    const signer = new Signer(app.config.SESSION_SECRET)
    const ahead = `lab_sid_rw=${signer.sign('FFFFFFFF/FFFFFFFF')}`
    const read = await app.inject({ url: '/api/notes?limit=1', headers: { cookie: ahead } })
    assert.equal(read.json().servedBy, 'primary')
    // A position the client wrote itself is not believed: read as if there were none, cookie cleared.
    const forged = await app.inject({
      url: '/api/notes?limit=1',
      headers: { cookie: 'lab_sid_rw=FFFFFFFF/FFFFFFFF' },
    })
    assert.equal(forged.statusCode, 200)
    assert.match(String(forged.headers['set-cookie']), /^lab_sid_rw=; Max-Age=0/)
  })

  // The whole hostile-input table runs against both replicas in test/e2e/hostile.test.ts.
  it('rejects bad input with a JSON 4xx and writes nothing', async (t) => {
    const app = await appFor(t)
    const before = await countNotes(app)
    const bad = [
      { payload: '{}', expect: /must have required property 'text'/ },
      { payload: '{"text":""}', expect: /must be 1 to 1000 characters/ },
      { payload: '{"text":"   "}', expect: /must contain a visible character/ },
      {
        payload: JSON.stringify({ text: 'x'.repeat(NOTE_MAX_LENGTH + 1) }),
        expect: /must be 1 to 1000 characters/,
      },
      { payload: '{"text":123}', expect: /must be string/ },
      { payload: '{"text":["a"]}', expect: /must be string/ },
      { payload: '{"text":"ok","admin":true}', expect: /must NOT have additional properties/ },
      { payload: '{"text":', expect: /not valid JSON/ },
    ]
    for (const { payload, expect } of bad) {
      const response = await postNote(app, payload)
      assert.equal(response.statusCode, 400, payload)
      assert.equal(response.json().error, 'Bad Request')
      assert.match(response.json().message, expect, payload)
    }
    const wrongType = await postNote(app, 'hello', { 'content-type': 'text/plain' })
    assert.equal(wrongType.statusCode, 415)
    assert.equal(await countNotes(app), before)
  })

  it('answers an unknown or malformed note id with a JSON 4xx', async (t) => {
    const app = await appFor(t)
    const missing = await app.inject('/api/notes/999999999999')
    assert.equal(missing.statusCode, 404)
    assert.deepEqual(missing.json(), { error: 'Not Found', message: 'no note 999999999999' })
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      assert.equal((await app.inject(`/api/notes/${id}`)).statusCode, 400, id)
    }
  })
})
