import assert from 'node:assert/strict'
import http2 from 'node:http2'
import { describe, it } from 'node:test'
import tls from 'node:tls'
import { HTTP, HTTPS, labCa, type RawResponse, rawExchange, request } from '../lib/raw.ts'
import { env } from '../lib/stack.ts'

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

function assertSecurityHeaders(response: RawResponse, what: string) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS))
    assert.equal(response.headers[name], value, `${what}: ${name}`)
  assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, what)
  assert.equal(response.headers['x-powered-by'], undefined, what)
  assert.equal(response.headers.server, 'nginx', `${what}: server header without a version`)
}

function tlsHandshake(versions: {
  minVersion: tls.SecureVersion
  maxVersion: tls.SecureVersion
}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: env.port('NGINX_HTTPS_PORT'),
      servername: 'localhost',
      ca: labCa(),
      // This client is willing to speak old protocols; only the server can refuse them.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      ...versions,
    })
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? '')
      socket.end()
    })
    socket.once('error', reject)
  })
}

describe('TLS at the edge', () => {
  it('serves the API over HTTPS with the generated certificate, HTTP/2 included', async () => {
    const response = await request(`${HTTPS}/api/whoami`)
    assert.equal(response.status, 200)
    assert.match(String(response.headers['x-replica']), /^app[123]$/)

    const session = http2.connect(HTTPS, { ca: labCa() })
    try {
      const status = await new Promise((resolve, reject) => {
        const stream = session.request({ ':path': '/api/whoami' })
        stream.on('response', (headers) => resolve(headers[':status']))
        stream.on('error', reject)
        stream.resume()
      })
      assert.equal(status, 200)
    } finally {
      session.close()
    }
  })

  it('accepts TLS 1.2 and 1.3, refuses 1.0 and 1.1', async () => {
    assert.equal(await tlsHandshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2')
    assert.equal(await tlsHandshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), 'TLSv1.3')
    await assert.rejects(tlsHandshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1' }))
    await assert.rejects(tlsHandshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' }))
  })

  it('sends HSTS over HTTPS only, and moves browser routes from HTTP to HTTPS', async () => {
    assert.equal(
      (await request(`${HTTPS}/api/whoami`)).headers['strict-transport-security'],
      'max-age=31536000',
    )
    assert.equal((await request(`${HTTP}/api/whoami`)).headers['strict-transport-security'], undefined)

    for (const path of ['/', '/static/index.html']) {
      const redirect = await request(`${HTTP}${path}`)
      assert.equal(redirect.status, 301, path)
      assert.match(
        String(redirect.headers.location),
        new RegExp(`^${HTTPS.replace('127.0.0.1', '[^/]+')}/static/`),
      )
    }
    // Tools keep using the API and health checks over plain HTTP.
    assert.equal((await request(`${HTTP}/api/whoami`)).status, 200)
    assert.equal((await request(`${HTTP}/health`)).status, 200)
  })

  it('tells the replicas the request was HTTPS, so the session cookie is Secure there only', async () => {
    const overHttps = await request(`${HTTPS}/api/visits`, { method: 'POST' })
    assert.match(String(overHttps.headers['set-cookie']), /; Secure/)
    const overHttp = await request(`${HTTP}/api/visits`, { method: 'POST' })
    assert.doesNotMatch(String(overHttp.headers['set-cookie']), /Secure/)
  })
})

describe('rate limits, per client address as nginx sees it', () => {
  it('answers a burst over the limit with 429, JSON and Retry-After, whatever X-Forwarded-For says', async () => {
    const statuses: number[] = []
    let limited: RawResponse | undefined
    for (let i = 0; i < 80; i++) {
      // A new spoofed address each time: if nginx keyed on it, no request would ever be limited.
      const response = await request(`${HTTP}/api/whoami`, {
        from: '127.0.0.2',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      })
      statuses.push(response.status)
      if (response.status === 429) limited ??= response
    }
    const burst = Number(env.get('RATE_LIMIT_BURST'))
    assert.ok(statuses.filter((s) => s === 429).length >= 80 - burst - 15, statuses.join(' '))
    assert.ok(limited)
    assert.equal(limited.headers['retry-after'], '1')
    assert.deepEqual(JSON.parse(limited.body), {
      error: 'Too Many Requests',
      message: 'rate limit exceeded; retry after 1 s',
    })
    assertSecurityHeaders(limited, '429')
  })

  it('limits writes sooner than reads', async () => {
    const writes = []
    for (let i = 0; i < 30; i++)
      writes.push((await request(`${HTTP}/api/visits`, { method: 'POST', from: '127.0.0.3' })).status)
    const allowed = writes.filter((s) => s === 200).length
    assert.ok(allowed <= Number(env.get('RATE_LIMIT_WRITE_BURST')) + 3, writes.join(' '))
    assert.ok(writes.includes(429))
    // Reads from the same client still pass: the write budget is separate.
    assert.equal((await request(`${HTTP}/api/whoami`, { from: '127.0.0.3' })).status, 200)
  })

  it('never limits a client that stays under the rate', async () => {
    for (let i = 0; i < 15; i++) {
      assert.equal((await request(`${HTTP}/api/whoami`, { from: '127.0.0.4' })).status, 200)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
})

describe('hostile and careless input', () => {
  it('gets a clean JSON 4xx, never a 5xx, while other clients are served meanwhile', async () => {
    const json = { 'content-type': 'application/json' }
    const hostile: Array<[string, () => Promise<RawResponse | string>, number]> = [
      [
        'oversized body',
        () =>
          request(`${HTTP}/api/notes`, {
            method: 'POST',
            headers: json,
            body: `{"text":"${'a'.repeat(20_000)}"}`,
          }),
        413,
      ],
      [
        'oversized header',
        () => request(`${HTTP}/api/whoami`, { headers: { 'x-junk': 'a'.repeat(9000) } }),
        431,
      ],
      ['absurd query string', () => request(`${HTTP}/api/whoami?q=${'a'.repeat(9000)}`), 414],
      [
        'malformed JSON',
        () => request(`${HTTP}/api/notes`, { method: 'POST', headers: json, body: '{"text":' }),
        400,
      ],
      [
        'wrong content type',
        () =>
          request(`${HTTP}/api/notes`, {
            method: 'POST',
            headers: { 'content-type': 'text/xml' },
            body: '<a/>',
          }),
        415,
      ],
      [
        'forged session cookie',
        () => request(`${HTTP}/api/visits`, { headers: { cookie: 'lab_sid=abc.forged' } }),
        400,
      ],
      ['encoded traversal', () => request(`${HTTPS}/static/..%2f..%2fetc%2fpasswd`), 400],
      ['dot-dot traversal', () => request(`${HTTPS}/static/%2e%2e/%2e%2e/etc/passwd`), 400],
      ['NUL in path', () => request(`${HTTPS}/static/%00`), 400],
    ]
    const bystander = (async () => {
      const statuses = []
      for (let i = 0; i < 30; i++) statuses.push((await request(`${HTTP}/api/whoami`)).status)
      return statuses
    })()

    for (const [what, send, status] of hostile) {
      const response = (await send()) as RawResponse
      assert.equal(response.status, status, `${what}: ${response.body.slice(0, 200)}`)
      const body = JSON.parse(response.body)
      assert.equal(typeof body.error, 'string', what)
      assert.equal(typeof body.message, 'string', what)
    }
    const crlf = await rawExchange(
      env.port('NGINX_HTTP_PORT'),
      'GET /api/whoami HTTP/1.1\r\nHost: x\r\nX-Evil: a\rInjected: 1\r\n\r\n',
    )
    assert.match(crlf, /^HTTP\/1\.1 400 /)

    assert.deepEqual([...new Set(await bystander)], [200])
  })

  it('keeps internal paths closed on both ports', async () => {
    for (const base of [HTTP, HTTPS]) {
      for (const path of ['/metrics', '/py/metrics', '/stub_status', '/nginx_status', '/_error/500']) {
        const response = await request(`${base}${path}`)
        assert.equal(response.status, 404, `${base}${path}`)
        assert.equal(response.headers['x-replica'], undefined)
      }
    }
  })

  it('sends the security headers on API, static and error responses alike', async () => {
    assertSecurityHeaders(await request(`${HTTPS}/api/whoami`), 'API')
    assertSecurityHeaders(await request(`${HTTPS}/static/index.html`), 'static')
    assertSecurityHeaders(await request(`${HTTPS}/static/missing.txt`), 'nginx 404')
    assertSecurityHeaders(await request(`${HTTP}/api/nope`), 'replica 404')
    assertSecurityHeaders(await request(`${HTTP}/metrics`), 'blocked path')
  })
})
