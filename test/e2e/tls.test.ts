// The edge's TLS: what nginx on the HTTPS port offers, and what it makes of plain HTTP.
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import { describe, it } from 'node:test'
import tls from 'node:tls'
import { startsFromBaseline } from '../lib/baseline.ts'
import { HTTP, HTTPS, labCa, rawExchange, request } from '../lib/raw.ts'
import { ENGINE, env } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

/** A handshake with nginx's HTTPS port; resolves with the protocol and cipher it agreed on. */
function tlsHandshake(offer: {
  minVersion: tls.SecureVersion
  maxVersion: tls.SecureVersion
  ciphers?: string
}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: env.port('NGINX_HTTPS_PORT'),
      servername: 'localhost',
      ca: labCa(),
      // This client is willing to speak old protocols and ciphers; only the server can refuse them.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      ...offer,
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

  it('agrees only forward-secret AEAD cipher suites over TLS 1.2 (Mozilla intermediate)', async () => {
    // The lab's certificate is ECDSA: these are the suites it could otherwise agree on.
    const tls12 = (ciphers: string) => tlsHandshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers })
    for (const aead of [
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ]) {
      assert.equal(await tls12(`${aead}:@SECLEVEL=0`), 'TLSv1.2', aead)
    }
    // CBC instead of AEAD, with the same forward-secret key exchange: refused.
    for (const cbc of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA',
      'ECDHE-ECDSA-AES128-SHA256',
      'ECDHE-ECDSA-AES256-SHA384',
    ]) {
      await assert.rejects(tls12(`${cbc}:@SECLEVEL=0`), cbc)
    }
  })

  it('sends HSTS over HTTPS only, and moves browser routes from HTTP to HTTPS', async () => {
    assert.equal(
      (await request(`${HTTPS}/api/whoami`)).headers['strict-transport-security'],
      'max-age=31536000',
    )
    assert.equal((await request(`${HTTP}/api/whoami`)).headers['strict-transport-security'], undefined)

    // The browser routes: the console at the root, its own paths, the static files.
    for (const [path, to] of [
      ['/', '/console/'],
      ['/console/events', '/console/events'],
      ['/static/index.html', '/static/index.html'],
    ]) {
      const redirect = await request(`${HTTP}${path}`)
      assert.equal(redirect.status, 301, path)
      assert.match(
        String(redirect.headers.location),
        new RegExp(`^${HTTPS.replace('127.0.0.1', '[^/]+')}${to}$`),
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

describe("nginx's own answers: JSON with the security headers, redirects that stay home", () => {
  it("redirects to HTTPS on this lab's own host names only, whatever Host a client sends", async () => {
    const evil = await request(`${HTTP}/`, { headers: { host: 'evil.example' } })
    assert.equal(evil.status, 301)
    assert.equal(evil.headers.location, `https://localhost:${env.port('NGINX_HTTPS_PORT')}/console/`)
    const own = await request(`${HTTP}/static/index.html`, { headers: { host: '127.0.0.1:8080' } })
    assert.equal(own.headers.location, `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}/static/index.html`)
    for (const host of ['localhost', '[::1]']) {
      const named = await request(`${HTTP}/`, { headers: { host: `${host}:8080` } })
      assert.equal(named.headers.location, `https://${host}:${env.port('NGINX_HTTPS_PORT')}/console/`, host)
    }
  })

  const unknownEncoding =
    'POST /api/notes HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'
  const plainToHttps = 'GET /api/whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

  if (ENGINE === 'nginx') {
    it('answers a transfer encoding it cannot decode, and plain HTTP on the HTTPS port, in JSON', async () => {
      const cases: Array<[number, string, RegExp]> = [
        [
          env.port('NGINX_HTTP_PORT'),
          unknownEncoding,
          /^HTTP\/1\.1 501 [\s\S]*\{"error":"Not Implemented","message":"transfer encoding not supported"\}/,
        ],
        [
          env.port('NGINX_HTTPS_PORT'),
          plainToHttps,
          /^HTTP\/1\.1 400 [\s\S]*\{"error":"Bad Request","message":"plain HTTP sent to the HTTPS port; use https:\/\/"\}/,
        ],
      ]
      for (const [port, bytes, expected] of cases) {
        const reply = await rawExchange(port, bytes)
        assert.match(reply, expected)
        assert.match(reply, /\r\ncontent-type: application\/json\r\n/i, reply)
        assert.match(reply, /\r\nx-content-type-options: nosniff\r\n/i, reply)
      }
    })
  } else {
    // HAProxy's parser refuses an unknown encoding before any rule runs, and 422 is not among
    // the codes errorfile replaces; on its TLS port it speaks TLS only (haproxy/README.md).
    it('answers a transfer encoding it cannot decode with its own 422 page, and closes on plain HTTP to the HTTPS port', async () => {
      const reply = await rawExchange(env.port('NGINX_HTTP_PORT'), unknownEncoding)
      assert.match(reply, /^HTTP\/1\.1 422 /)
      assert.doesNotMatch(reply, /\r\nx-replica:/i, 'a replica saw it')
      assert.equal(await rawExchange(env.port('NGINX_HTTPS_PORT'), plainToHttps).catch(() => ''), '')
    })
  }
})
