import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startsFromBaseline } from '../lib/baseline.ts'
import { HTTPS, request } from '../lib/raw.ts'
import { BASE, CLIENT_IP, hit, lab, replicaUrl } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

describe('the edge: what nginx serves, forwards and refuses', () => {
  it('keeps replica metrics private, however the path is spelled', async () => {
    for (const path of ['/metrics', '/metrics/', '//metrics', '/%6Detrics', '/metrics?x=1']) {
      const response = await hit(path)
      assert.equal(response.status, 404, path)
      assert.equal(response.replica, null, `${path} reached ${response.replica}`)
    }
  })

  it('serves /static/ from disk without involving a replica', async () => {
    const page = await request(`${HTTPS}/static/index.html`)
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.equal(page.headers['x-replica'], undefined)
    assert.equal(page.headers['x-upstream'], undefined)
  })

  it('forwards the client address, overwriting a spoofed X-Forwarded-For', async () => {
    const response = await fetch(`${BASE}/api/whoami`, { headers: { 'x-forwarded-for': '203.0.113.7' } })
    const body = (await response.json()) as { clientIp: string }
    assert.equal(body.clientIp, CLIENT_IP)
  })

  it('tags each proxied response with its upstream and a request id the replica logs', async () => {
    const response = await hit('/api/whoami')
    const replica = response.replica ?? ''
    const requestId = response.headers.get('x-request-id') ?? ''
    assert.match(replica, /^app[123]$/)
    assert.equal(response.headers.get('x-upstream'), new URL(replicaUrl(replica)).host)
    assert.match(requestId, /^[0-9a-f]{32}$/)

    let logged = false
    for (let i = 0; i < 20 && !logged; i++, await sleep(50)) {
      logged = (await lab(['logs', replica])).includes(`"requestId":"${requestId}"`)
    }
    assert.ok(logged, `${replica}'s log has no line with requestId ${requestId}`)
  })
})
