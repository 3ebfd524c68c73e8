import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor, closedPort, countNotes, postNote } from './helpers.ts'

describe('when a dependency is unreachable', () => {
  it('primary down: writes answer 503 naming it, reads still come from the replica', async (t) => {
    const app = await appFor(t, { PG_PRIMARY_PORT: String(await closedPort()) })
    const write = await postNote(app, { text: 'x' })
    assert.equal(write.statusCode, 503)
    assert.deepEqual(write.json(), { error: 'Service Unavailable', message: 'postgres primary unavailable' })

    const read = await app.inject('/api/notes?limit=1')
    assert.equal(read.statusCode, 200)
    assert.equal(read.json().servedBy, 'replica')
  })

  it('replica down: reads come from the primary', async (t) => {
    const app = await appFor(t, { PG_REPLICA_PORT: String(await closedPort()) })
    const read = await app.inject('/api/notes?limit=1')
    assert.equal(read.statusCode, 200)
    assert.equal(read.json().servedBy, 'primary')
    assert.match(
      (await app.inject('/metrics')).body,
      /db_reads_total\{[^}]*served_by="primary",reason="replica-down"[^}]*\} 1/,
    )
  })

  it('Redis down: notes are written and read all the same, they need no session', async (t) => {
    const app = await appFor(t, { REDIS_PORT: String(await closedPort()) })
    const before = await countNotes(app)
    const write = await postNote(app, { text: 'x' })
    assert.equal(write.statusCode, 201)
    assert.equal(await countNotes(app), before + 1)
    const cookie = write.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
    assert.equal(
      (await app.inject({ url: `/api/notes/${write.json().id}`, headers: { cookie } })).statusCode,
      200,
    )
  })
})

describe('when the replica itself stalls', () => {
  it('a Redis answer that arrived while the event loop was blocked counts; the connection stays', async (t) => {
    const app = await appFor(t)
    const timeoutMs = app.config.DEPENDENCY_TIMEOUT_MS
    const pong = app.redis.ping()
    // A replica's first second on a busy host: nothing runs for longer than the command timeout,
    // and Redis's answer waits in the socket meanwhile.
    const until = Date.now() + timeoutMs + 250
    while (Date.now() < until) {}
    assert.equal(await pong, 'PONG')
    assert.equal(app.redis.status, 'ready')
  })
})
