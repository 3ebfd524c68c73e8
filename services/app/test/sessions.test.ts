import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor, closedPort, sessionCookie, testConfig } from './helpers.ts'

describe('sessions', () => {
  it('stores nothing and sets no cookie for a client that never changes its session', async (t) => {
    const app = await appFor(t)
    const response = await app.inject('/api/visits')
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { visits: 0, replica: 'test-replica', replicasSeen: [] })
    assert.equal(response.headers['set-cookie'], undefined)
  })

  it('counts visits in the session and reads them back with its cookie', async (t) => {
    const app = await appFor(t)
    const first = await app.inject({ method: 'POST', url: '/api/visits' })
    const cookie = sessionCookie(first)
    assert.match(String(first.headers['set-cookie']), /HttpOnly; SameSite=Lax/)
    await app.inject({ method: 'POST', url: '/api/visits', headers: { cookie } })

    const read = await app.inject({ url: '/api/visits', headers: { cookie } })
    assert.deepEqual(read.json(), { visits: 2, replica: 'test-replica', replicasSeen: ['test-replica'] })
  })

  it('counts a request with an Idempotency-Key once, however often it is retried', async (t) => {
    const app = await appFor(t)
    const cookie = sessionCookie(await app.inject({ method: 'POST', url: '/api/visits' }))
    const post = (key: string) =>
      app.inject({ method: 'POST', url: '/api/visits', headers: { cookie, 'idempotency-key': key } })

    for (let i = 0; i < 3; i++) assert.equal((await post('retry-me-0001')).json().visits, 2)
    assert.equal((await post('another-key-02')).json().visits, 3)
    assert.equal((await post('bad key!')).statusCode, 400)
  })

  it('answers a tampered session cookie with a 400 that clears it', async (t) => {
    const app = await appFor(t)
    const cookie = sessionCookie(await app.inject({ method: 'POST', url: '/api/visits' }))
    const tampered = `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`

    const response = await app.inject({ method: 'POST', url: '/api/visits', headers: { cookie: tampered } })
    assert.equal(response.statusCode, 400)
    assert.deepEqual(response.json(), { error: 'Bad Request', message: 'invalid session cookie' })
    assert.match(String(response.headers['set-cookie']), /^lab_sid=; Max-Age=0/)
  })

  it('answers a request with a session cookie 503 in the contract shape when Redis is unreachable', async (t) => {
    const cookie = sessionCookie(await (await appFor(t)).inject({ method: 'POST', url: '/api/visits' }))
    const cut = await appFor(t, { REDIS_PORT: String(await closedPort()) })
    for (const method of ['GET', 'POST'] as const) {
      const response = await cut.inject({ method, url: '/api/visits', headers: { cookie } })
      assert.equal(response.statusCode, 503, method)
      assert.deepEqual(response.json(), {
        error: 'Service Unavailable',
        message: 'session store unavailable',
      })
    }
  })

  it('answers 503 naming the session store within its budget when Redis is unreachable', async (t) => {
    const app = await appFor(t, { REDIS_PORT: String(await closedPort()) })
    const started = performance.now()
    const response = await app.inject({ method: 'POST', url: '/api/visits' })
    const elapsed = performance.now() - started

    assert.equal(response.statusCode, 503)
    assert.deepEqual(response.json(), { error: 'Service Unavailable', message: 'session store unavailable' })
    assert.ok(elapsed < testConfig().DEPENDENCY_TIMEOUT_MS, `took ${elapsed} ms`)
    assert.equal((await app.inject('/health')).statusCode, 200)
    const metrics = (await app.inject('/metrics')).body
    assert.match(metrics, /session_store_errors_total\{[^}]*operation="visits"[^}]*\} 1/)
  })
})
