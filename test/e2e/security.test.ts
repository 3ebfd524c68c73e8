import assert from 'node:assert/strict'
import http2 from 'node:http2'
import { connect as netConnect } from 'node:net'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { startsFromBaseline } from '../lib/baseline.ts'
import {
  assertSecurityHeaders,
  fromOtherClient,
  HTTP,
  HTTPS,
  labCa,
  limitAllows,
  request,
  slowBodiesFromOtherClient,
} from '../lib/raw.ts'
import { BASE, direct, ENGINE, env, SessionClient, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

/** Deletes every stored session of both apps (as if each had expired), leaving other keys alone. */
async function forgetSessions(): Promise<void> {
  const redis = new Redis({ ...direct('redis'), password: env.get('REDIS_PASSWORD') })
  try {
    for (const pattern of ['lab:sess:*', 'lab:py:sess:*']) {
      const keys = await redis.keys(pattern)
      if (keys.length > 0) await redis.del(...keys)
    }
  } finally {
    redis.disconnect()
  }
}

describe('size limits, answered by nginx before any replica', () => {
  it('refuses a large body with 413, a long request line with 414, large headers with 431', async () => {
    const cases: Array<[string, Parameters<typeof request>[1], number, string]> = [
      [
        '/api/notes',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'a'.repeat(20_000) },
        413,
        '{"error":"Payload Too Large","message":"request body too large"}',
      ],
      [
        `/api/whoami?q=${'a'.repeat(9000)}`,
        {},
        414,
        '{"error":"URI Too Long","message":"request line too long"}',
      ],
      [
        '/api/whoami',
        { headers: { 'x-large': 'a'.repeat(9000) } },
        431,
        '{"error":"Request Header Fields Too Large","message":"request headers too large"}',
      ],
    ]
    for (const [path, init, status, body] of cases) {
      const response = await request(`${HTTP}${path}`, init)
      assert.equal(response.status, status, path.slice(0, 20))
      assert.equal(response.body.trim(), body)
      assert.equal(response.headers['x-replica'], undefined, 'a replica answered')
      assertSecurityHeaders(response, String(status))
    }
  })

  it(`${ENGINE === 'nginx' ? 'ends an HTTP/2 connection whose header field is over 8 KiB (GOAWAY ENHANCE_YOUR_CALM)' : 'answers an HTTP/2 header field over 8 KiB with 431'}, as ${ENGINE} does`, async () => {
    // nginx does not decode a field larger than its header buffer, and HTTP/2's header
    // compression state is per connection, so it closes the connection (RFC 9113 10.5.1 allows
    // it) instead of answering 431. The limit is on the encoded size: '~' takes 13 bits. HAProxy
    // decodes it (its buffer holds 32 KiB) and refuses the request alone, as over HTTP/1.1.
    const session = http2.connect(HTTPS, { ca: labCa() })
    session.on('error', () => {}) // the GOAWAY below, also reported as a session error
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)))
    const stream = session.request({ ':path': '/api/whoami', 'x-large': '~'.repeat(9000) })
    stream.on('error', () => {})
    const response = new Promise<number>((resolve) =>
      stream.on('response', (headers) => resolve(Number(headers[':status']))),
    )
    if (ENGINE === 'nginx') {
      response.then(() => assert.fail('a response to an over-large header field'))
      const code = await Promise.race([goaway, sleep(5000).then(() => -1)])
      session.destroy()
      assert.equal(code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM)
    } else {
      const status = await Promise.race([response, sleep(5000).then(() => -1)])
      session.destroy()
      assert.equal(status, 431)
    }
  })
})

describe('slow clients cannot hold nginx', () => {
  it('ends a connection whose headers take over 10 s in all, however steadily they trickle in', async () => {
    // A header line every 2 s: each read is well within client_header_timeout, the whole is not.
    const socket = netConnect(env.port('NGINX_HTTP_PORT'), '127.0.0.1')
    socket.on('error', () => {})
    const closed = new Promise((resolve) => socket.once('close', () => resolve('closed')))
    socket.write('GET /api/whoami HTTP/1.1\r\nHost: lab\r\n')
    let line = 0
    const trickle = setInterval(() => socket.write(`X-Slow-${line++}: 1\r\n`), 2000)
    try {
      assert.equal(await Promise.race([closed, sleep(15_000, 'open after 15 s')]), 'closed')
      assert.ok(line >= 4, `closed after ${line} header lines, before its 10 s were up`)
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
  })

  it('lets one client hold at most RATE_LIMIT_CONN requests whose body trickles in; the rest get 429', async () => {
    const cap = Number(env.get('RATE_LIMIT_CONN'))
    // One every 40 ms keeps under the request rate limit: only the connection cap can refuse them.
    const statuses = await slowBodiesFromOtherClient(6, cap + 5, 40, 2000)
    assert.equal(statuses.filter((s) => s === 429).length, 5, statuses.join(' '))
    assert.equal(statuses.filter((s) => s === 0).length, cap, 'still waiting for their bodies')
  })
})

describe('rate limits, per client address as nginx sees it', () => {
  it('answers a burst over the limit with 429, JSON and Retry-After, whatever X-Forwarded-For says', async () => {
    // A new spoofed address each time: if nginx keyed on it, no request would ever be limited.
    const responses = await fromOtherClient(
      2,
      Array.from({ length: 120 }, (_, i) => ({
        path: '/api/whoami',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      })),
    )
    const statuses = responses.map((r) => r.status)
    const allowed = statuses.filter((s) => s === 200).length
    const bound = limitAllows(
      responses,
      Number(env.get('RATE_LIMIT_RPS')),
      Number(env.get('RATE_LIMIT_BURST')),
    )
    assert.ok(allowed <= bound, `${allowed} let through, at most ${bound}: ${statuses.join(' ')}`)
    assert.equal(allowed + statuses.filter((s) => s === 429).length, 120, statuses.join(' '))
    const limited = responses.find((r) => r.status === 429)
    assert.ok(limited)
    assert.equal(limited.headers['retry-after'], '1')
    assert.deepEqual(JSON.parse(limited.body), {
      error: 'Too Many Requests',
      message: 'rate limit exceeded; retry after 1 s',
    })
    assertSecurityHeaders(limited, '429')
  })

  it('limits writes sooner than reads', async () => {
    const responses = await fromOtherClient(3, [
      ...Array.from({ length: 30 }, () => ({ path: '/api/visits', method: 'POST' })),
      // Reads from the same client still pass: the write budget is separate.
      { path: '/api/whoami' },
    ])
    const writes = responses.slice(0, -1)
    const statuses = writes.map((r) => r.status)
    const allowed = statuses.filter((s) => s === 200).length
    const bound = limitAllows(
      writes,
      Number(env.get('RATE_LIMIT_WRITE_RPS')),
      Number(env.get('RATE_LIMIT_WRITE_BURST')),
    )
    assert.ok(allowed <= bound, `${allowed} writes let through, at most ${bound}: ${statuses.join(' ')}`)
    assert.ok(statuses.includes(429))
    assert.equal(responses.at(-1)?.status, 200)
  })

  it('bounds the sessions one client can create, but never limits a client that has one', async () => {
    // 4 a second: under the write budget, so only the new-session budget can refuse them.
    const fresh = await fromOtherClient(
      5,
      Array.from({ length: 20 }, () => ({ path: '/api/visits', method: 'POST', delayMs: 250 })),
    )
    const statuses = fresh.map((r) => r.status)
    const created = fresh.filter((r) => r.status === 200)
    // At most the burst, plus what the rate (a minute's worth) refills while they are sent.
    const bound = limitAllows(
      fresh,
      Number(env.get('RATE_LIMIT_NEW_SESSIONS')) / 60,
      Number(env.get('RATE_LIMIT_NEW_SESSIONS_BURST')),
    )
    assert.ok(
      created.length >= 1 && created.length <= bound,
      `${created.length} of at most ${bound}: ${statuses}`,
    )
    assert.equal(statuses.filter((s) => s === 429).length, 20 - created.length, statuses.join(' '))

    // The same client, with a session it was given: its visits count on, unlimited by that budget.
    const cookie = String(created[0]?.headers['set-cookie']?.[0]).split(';')[0] as string
    const again = await fromOtherClient(
      5,
      Array.from({ length: 5 }, () => ({
        path: '/api/visits',
        method: 'POST',
        headers: { cookie },
        delayMs: 250,
      })),
    )
    assert.deepEqual(
      again.map((r) => [r.status, JSON.parse(r.body).visits]),
      [2, 3, 4, 5, 6].map((visits) => [200, visits]),
    )
  })

  it('counts new sessions as the replicas make them, however the request is dressed', async () => {
    const burst = Number(env.get('RATE_LIMIT_NEW_SESSIONS_BURST'))
    for (const { name, base, cookie } of TARGETS) {
      // A cookie named in other letters is no session to a replica (names are case-sensitive):
      // it makes a new one, so nginx counts it too. A keyed POST is counted as any other.
      const disguised = await fromOtherClient(
        name === 'Python' ? 8 : 7,
        Array.from({ length: burst + 6 }, (_, i) => ({
          path: `${base}/api/visits`,
          method: 'POST',
          headers: Object.fromEntries([
            i % 2 ? ['cookie', `${cookie.toUpperCase()}=x`] : ['idempotency-key', `disguised-${i}-abcdef`],
          ]),
        })),
      )
      const made = disguised.filter((r) => r.status === 200).length
      const bound = limitAllows(disguised, Number(env.get('RATE_LIMIT_NEW_SESSIONS')) / 60, burst)
      assert.ok(made <= bound, `${name}: ${made} sessions made, at most ${bound}`)
      assert.equal(made + disguised.filter((r) => r.status === 429).length, disguised.length)
    }
  })

  it('never starts a session under a cookie whose session is gone: 400, the cookie cleared', async () => {
    for (const { base, cookie } of TARGETS) {
      const client = new SessionClient()
      assert.equal((await client.post(`${base}/api/visits`)).status, 200)
      const stale = client.cookie
      await forgetSessions()
      const again = await fetch(`${BASE}${base}/api/visits`, { method: 'POST', headers: { cookie: stale } })
      assert.equal(again.status, 400)
      assert.deepEqual(await again.json(), {
        error: 'Bad Request',
        message: 'session expired: send the request again without its cookie',
      })
      assert.match(String(again.headers.get('set-cookie')), new RegExp(`^${cookie}=;`))
    }
  })

  it('never limits a client that stays under the rate', async () => {
    const responses = await fromOtherClient(
      4,
      Array.from({ length: 15 }, () => ({ path: '/api/whoami', delayMs: 100 })),
    )
    assert.deepEqual(
      responses.map((r) => r.status),
      Array(15).fill(200),
    )
  })
})
