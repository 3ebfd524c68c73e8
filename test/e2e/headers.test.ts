// What every answer carries, whoever made it, and where the edge draws its lines: the security
// headers on every kind of response on both ports (snippets/security-headers.conf); nginx's own
// errors as JSON in the replicas' shape (snippets/json-errors.conf); and what nginx lets through,
// both replica sets take, while what it refuses it refuses first (njs/edge.js,
// large_client_header_buffers).
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import {
  assertSecurityHeaders,
  HTTP,
  HTTPS,
  parseRaw,
  type RawResponse,
  rawExchange,
  request,
} from '../lib/raw.ts'
import { ENGINE, env, lab, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const PORTS = [
  { name: 'HTTP', url: HTTP, port: env.port('NGINX_HTTP_PORT'), tls: false },
  { name: 'HTTPS', url: HTTPS, port: env.port('NGINX_HTTPS_PORT'), tls: true },
]

/** An answer nginx made itself: JSON {error, message}, no replica's header. */
function assertNginxJson(response: RawResponse, what: string): void {
  assert.match(String(response.headers['content-type']), /^application\/json/, what)
  const body = JSON.parse(response.body)
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], what)
  assert.equal(response.headers['x-replica'], undefined, `${what}: a replica answered`)
}

/** One request as raw bytes (anything a client could send), the answer parsed. */
const raw = async (port: (typeof PORTS)[number], head: string, body = '') =>
  parseRaw(
    await rawExchange(port.port, `${head}\r\nHost: localhost\r\nConnection: close\r\n\r\n${body}`, port.tls),
  )

describe('every kind of answer carries the security headers, on both ports', () => {
  const replicasOf = TARGETS.flatMap((t) => t.replicas)
  after(async () => {
    for (const replica of replicasOf) await lab(['fault', replica, 'clear'])
  })

  for (const port of PORTS) {
    it(`over ${port.name}: the replicas' 2xx, 4xx and 5xx, and HSTS over HTTPS only`, async () => {
      for (const { base, replicas } of TARGETS) {
        // A 5xx from a replica: every replica of the set fails /api/work for a moment.
        for (const replica of replicas) await lab(['fault', replica, 'errors=100%', 'routes=/api/work'])
        const answers: Array<[string, number, RawResponse]> = [
          ['2xx', 200, await request(`${port.url}${base}/api/whoami`)],
          [
            '4xx',
            400,
            await request(`${port.url}${base}/api/notes`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{"text":',
            }),
          ],
          ['5xx', 500, await request(`${port.url}${base}/api/work?ms=1`)],
        ]
        for (const replica of replicas) await lab(['fault', replica, 'clear'])
        for (const [kind, status, answer] of answers) {
          const what = `${port.name} ${base || '/'} ${kind}`
          assert.equal(answer.status, status, what)
          assert.match(String(answer.headers['x-replica']), /^(app|py)\d$/, `${what}: not a replica's answer`)
          assertSecurityHeaders(answer, what)
          assert.equal(answer.headers['strict-transport-security'] !== undefined, port.tls, `${what}: HSTS`)
        }
      }
    })

    it(`over ${port.name}: nginx's own errors, JSON`, async () => {
      const answers: Array<[string, number, RawResponse]> = [
        ['internal path', 404, await request(`${port.url}/metrics`)],
        ['method', 405, await request(`${port.url}/api/whoami`, { method: 'DELETE' })],
        [
          'body size',
          413,
          await request(`${port.url}/api/notes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: 'a'.repeat(20_000),
          }),
        ],
        ['request line', 414, await request(`${port.url}/api/whoami?q=${'a'.repeat(9000)}`)],
        [
          'header size',
          431,
          await request(`${port.url}/api/whoami`, { headers: { 'x-large': 'a'.repeat(9000) } }),
        ],
        ['HTTP version', 505, await raw(port, 'GET /api/whoami HTTP/2.0')],
        ['control character', 400, await raw(port, 'GET /api/whoami HTTP/1.1\r\nX-Odd: a\x01b')],
        // (An encoding HAProxy cannot decode: tls.test.ts says what it answers.)
        ...(ENGINE === 'nginx'
          ? [
              [
                'transfer encoding',
                501,
                await raw(port, 'POST /api/notes HTTP/1.1\r\nTransfer-Encoding: gzip, chunked', '0\r\n\r\n'),
              ] as [string, number, RawResponse],
            ]
          : []),
      ]
      for (const [kind, status, answer] of answers) {
        const what = `${port.name} ${kind}`
        assert.equal(answer.status, status, what)
        assertNginxJson(answer, what)
        assertSecurityHeaders(answer, what)
      }
    })
  }

  it('over HTTPS: static files, their errors, the console, the redirects', async () => {
    const answers: Array<[string, number, RawResponse]> = [
      ['static file', 200, await request(`${HTTPS}/static/index.html`)],
      ['static, missing', 404, await request(`${HTTPS}/static/nope.html`)],
      // nginx serves ranges of a file; HAProxy serves a file whole from memory, ranges ignored.
      [
        ENGINE === 'nginx'
          ? 'static, range past the end'
          : 'static, a range ignored (HAProxy serves files whole)',
        ENGINE === 'nginx' ? 416 : 200,
        await request(`${HTTPS}/static/index.html`, { headers: { range: 'bytes=999999-' } }),
      ],
      ['console', 200, await request(`${HTTPS}/console/`)],
      ['root', 302, await request(`${HTTPS}/`)],
      // (HAProxy closes plain HTTP on its TLS port without an answer: tls.test.ts.)
      ...(ENGINE === 'nginx'
        ? [
            [
              'plain HTTP to the HTTPS port',
              400,
              await raw({ ...(PORTS[1] as (typeof PORTS)[number]), tls: false }, 'GET / HTTP/1.1'),
            ] as [string, number, RawResponse],
          ]
        : []),
    ]
    for (const [kind, status, answer] of answers) {
      assert.equal(answer.status, status, kind)
      assertSecurityHeaders(answer, kind)
      if (status >= 400) assertNginxJson(answer, kind)
    }
    const redirect = await request(`${HTTP}/static/index.html`)
    assert.equal(redirect.status, 301)
    assertSecurityHeaders(redirect, 'HTTP redirect')
  })

  it('keeps stub_status and the replicas’ /metrics closed on both ports', async () => {
    for (const port of PORTS) {
      for (const path of ['/stub_status', '/nginx_status', '/metrics', '/py/metrics', '/py/stub_status']) {
        const answer = await request(`${port.url}${path}`)
        assert.equal(answer.status, 404, `${port.name} ${path}`)
        assertNginxJson(answer, `${port.name} ${path}`)
      }
    }
  })
})

describe('what nginx lets through, both replica sets take; the rest nginx refuses first, as JSON', () => {
  const http = PORTS[0] as (typeof PORTS)[number]
  const fields = (count: number, size: number) =>
    Array.from({ length: count }, (_, i) => `X-Field-${i}: ${'v'.repeat(size)}`).join('\r\n')
  const cases: Array<[string, (base: string) => string, number]> = [
    [
      'a request line of 8,000 bytes',
      (base) => `GET ${base}/api/whoami?q=${'a'.repeat(7970 - base.length)} HTTP/1.1`,
      200,
    ],
    ['a header line of 8,000 bytes', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(1, 7980)}`, 200],
    ['60 header fields', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(60, 10)}`, 200],
    ['15 KB of headers', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(30, 500)}`, 200],
    ['a request line of 8,300 bytes', (base) => `GET ${base}/api/whoami?q=${'a'.repeat(8300)} HTTP/1.1`, 414],
    ['a header line of 8,300 bytes', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(1, 8300)}`, 431],
    ['65 header fields', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(65, 10)}`, 431],
    ['20 KB of headers', (base) => `GET ${base}/api/whoami HTTP/1.1\r\n${fields(40, 500)}`, 431],
    ['a control character in a header', (base) => `GET ${base}/api/whoami HTTP/1.1\r\nX-Odd: a\x7fb`, 400],
  ]
  for (const { name, base } of TARGETS) {
    it(`the same for the ${name} replicas`, async () => {
      for (const [what, head, status] of cases) {
        const answer = await raw(http, head(base))
        assert.equal(answer.status, status, `${what}: ${answer.body.slice(0, 200)}`)
        if (status === 200) assert.match(String(answer.headers['x-replica']), /^(app|py)\d$/, what)
        else assertNginxJson(answer, what)
      }
    })
  }
})
