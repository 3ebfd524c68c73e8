import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor } from './helpers.ts'

describe('GET /api/whoami', () => {
  it('says which replica and process answered, and the client address the proxy reported', async (t) => {
    const app = await appFor(t)
    const response = await app.inject({
      url: '/api/whoami',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    })
    assert.equal(response.statusCode, 200)
    const body = response.json()
    assert.equal(body.replica, 'test-replica')
    assert.equal(body.pid, process.pid)
    assert.equal(body.clientIp, '203.0.113.7')
  })

  it('ignores X-Forwarded-For from anyone but the proxy', async (t) => {
    const app = await appFor(t)
    const response = await app.inject({
      url: '/api/whoami',
      remoteAddress: '198.51.100.9',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    })
    assert.equal(response.json().clientIp, '198.51.100.9')
  })
})
