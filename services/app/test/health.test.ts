import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor, closedPort, testConfig } from './helpers.ts'

describe('health and readiness', () => {
  it('answers /health and /ready with X-Replica when Redis and the primary answer', async (t) => {
    const app = await appFor(t)
    const health = await app.inject('/health')
    assert.equal(health.statusCode, 200)
    assert.deepEqual(health.json(), { status: 'ok' })
    assert.equal(health.headers['x-replica'], 'test-replica')

    const ready = await app.inject('/ready')
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json(), { status: 'ready', checks: { redis: 'ok', postgres: 'ok' } })
  })

  it('reports Redis by name within its budget when Redis is unreachable, and stays live', async (t) => {
    const app = await appFor(t, { REDIS_PORT: String(await closedPort()) })
    const started = performance.now()
    const ready = await app.inject('/ready')
    const elapsed = performance.now() - started

    assert.equal(ready.statusCode, 503)
    const body = ready.json()
    assert.match(body.message, /^not ready: redis down/)
    assert.equal(body.checks.postgres, 'ok')
    assert.ok(elapsed < testConfig().DEPENDENCY_TIMEOUT_MS + 500, `took ${elapsed} ms`)
    assert.equal((await app.inject('/health')).statusCode, 200)
  })

  it('reports Postgres by name when the primary rejects the replica', async (t) => {
    const app = await appFor(t, { PG_PASSWORD: 'not-the-password' })
    const ready = await app.inject('/ready')
    assert.equal(ready.statusCode, 503)
    assert.match(ready.json().checks.postgres, /^down: password authentication failed/)
    assert.equal(ready.json().checks.redis, 'ok')
  })

  it('answers an unknown route with a JSON 404 that still names the replica', async (t) => {
    const app = await appFor(t)
    const response = await app.inject('/nope')
    assert.equal(response.statusCode, 404)
    assert.deepEqual(response.json(), { error: 'Not Found', message: 'no route GET /nope' })
    assert.equal(response.headers['x-replica'], 'test-replica')
  })
})
