// What an adversarial run against the lab held, kept so it keeps holding: racing one key with two
// bodies, smuggling a request past nginx, spelling an internal path another way, holding the
// console's event stream open many times over.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import http2 from 'node:http2'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { HTTPS, labCa, parseRaw, rawExchange, request } from '../lib/raw.ts'
import { ENGINE, env, pgLogin, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const primary = new pg.Pool({ ...pgLogin('pg-primary'), max: 2 })
after(() => primary.end())

describe('one Idempotency-Key, two bodies at once: one is written, the other refused', () => {
  for (const { name, base } of TARGETS) {
    it(`40 races, each key written once (${name} replicas)`, async () => {
      const run = randomUUID().slice(0, 8)
      const keys = Array.from({ length: 40 }, (_, i) => `race-${run}-${i}`)
      const post = (key: string, text: string) =>
        request(`${HTTPS}${base}/api/notes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ text }),
        })
      // Each key's two bodies at once; a few keys at a time (all 80 at once would measure the
      // pools and the request deadline, whose 503 means "not written": another story).
      const answers: Array<Awaited<ReturnType<typeof post>>[]> = []
      for (let i = 0; i < keys.length; i += 4) {
        const batch = keys.slice(i, i + 4)
        answers.push(
          ...(await Promise.all(
            batch.map((key) => Promise.all([post(key, `${key} first`), post(key, `${key} second`)])),
          )),
        )
      }
      for (const [i, pair] of answers.entries()) {
        assert.deepEqual(
          pair.map((a) => a.status).sort(),
          [201, 422],
          `${keys[i]}: ${pair.map((a) => a.body)}`,
        )
      }
      const { rows } = await primary.query<{ n: string }>(
        'SELECT count(*) AS n FROM notes WHERE idempotency_key LIKE $1',
        [`race-${run}-%`],
      )
      assert.equal(Number(rows[0]?.n), 40)
    })
  }
})

describe('request smuggling: no ambiguous framing reaches a replica as it was sent', () => {
  const port = env.port('NGINX_HTTP_PORT')
  // What each engine does with each framing. nginx refuses every one, as JSON. HAProxy refuses
  // some as JSON, closes on conflicting lengths without a word, and re-frames the rest as RFC
  // 9112 lets an intermediary (Transfer-Encoding wins and the Content-Length is removed, 6.3;
  // a list of one length is that length, 6.3; a folded line is unfolded, 5.2): the replica then
  // reads one unambiguous request, and the bytes after it are never a second one.
  type Outcome = 'refused' | 'closed' | 'reframed'
  const variants: Array<[string, string, Outcome]> = [
    [
      'Content-Length and Transfer-Encoding both',
      'Content-Length: 4\r\nTransfer-Encoding: chunked',
      'reframed',
    ],
    ['two different Content-Lengths', 'Content-Length: 4\r\nContent-Length: 5', 'closed'],
    ['a Content-Length list', 'Content-Length: 4, 4', 'reframed'],
    ['a signed Content-Length', 'Content-Length: +4', 'refused'],
    ['Transfer-Encoding not chunked last', 'Transfer-Encoding: chunked, identity', 'refused'],
    ['Transfer-Encoding with a space before the colon', 'Transfer-Encoding : chunked', 'refused'],
    ['a header folded onto the next line', 'Transfer-Encoding:\r\n chunked', 'reframed'],
    // (A bare LF ending a header line is no ambiguity: nginx takes it as a line end, as RFC 9112
    // 2.2 allows, and forwards what it read, re-framed, so a replica reads the same request.)
  ]
  for (const [what, headers, haproxy] of variants) {
    const outcome: Outcome = ENGINE === 'nginx' ? 'refused' : haproxy
    it(`${what}: ${outcome} by ${ENGINE}`, async () => {
      const text = await rawExchange(
        port,
        `POST /api/notes HTTP/1.1\r\nHost: localhost\r\n${headers}\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      )
      if (outcome === 'closed') return assert.equal(text, '', 'an answer')
      const answer = parseRaw(text)
      assert.equal(text.match(/^HTTP\/1\.1 \d{3} /gm)?.length, 1, `one answer only: ${text}`)
      if (outcome === 'reframed') {
        // The replica read a body of nothing (no Content-Type): its own 415, and nothing else.
        assert.equal(answer.status, 415, answer.body)
        return assert.match(String(answer.headers['x-replica']), /^app\d$/)
      }
      assert.ok([400, 501].includes(answer.status), `${answer.status}: ${answer.body}`)
      assert.equal(answer.headers['x-replica'], undefined, 'a replica saw it')
      assert.match(String(answer.headers['content-type']), /^application\/json/)
    })
  }
})

describe('internal paths, however spelled, never reach a replica’s metrics or faults', () => {
  const spellings = (path: string) => [
    `/${path}`,
    `/${path}/`,
    `//${path}`,
    `/${path}?x=1`,
    `/${path}#x`,
    `/./${path}`,
    `/api/../${path}`,
    `/%2e/${path}`,
    `/${path.replace(/^(.)/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
    `/${path.replace(/(.)$/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    `/${path};x=1`,
    `/${path}/x`,
  ]
  const paths = ['metrics', 'faults', 'stub_status', 'nginx_status'].flatMap((p) =>
    ['', '/py'].flatMap((base) => spellings(p).map((s) => `${base}${s}`)),
  )

  it(`${paths.length} spellings over HTTP/1.1: 404, and nothing a replica exports`, async () => {
    for (const path of paths) {
      const answer = await request(`${HTTPS}${path}`)
      // A fragment is no part of a request target (RFC 9112 3.2): nginx drops it, HAProxy
      // refuses the request (400). Either way no replica sees it.
      assert.equal(answer.status, ENGINE === 'haproxy' && path.includes('#') ? 400 : 404, path)
      assert.doesNotMatch(answer.body, /# HELP|"faults"/, path)
    }
  })

  it(`the same ${paths.length} over HTTP/2`, async () => {
    const session = http2.connect(HTTPS, { ca: labCa() })
    try {
      for (const path of paths) {
        const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
          const stream = session.request({ ':path': path.replace(/#.*$/, '') })
          let text = ''
          let code = 0
          stream.on('response', (headers) => {
            code = Number(headers[':status'])
          })
          stream.setEncoding('utf8')
          stream.on('data', (chunk) => {
            text += chunk
          })
          stream.on('end', () => resolve([code, text]))
          stream.on('error', reject)
        })
        assert.equal(status, 404, path)
        assert.doesNotMatch(body, /# HELP|"faults"/, path)
      }
    } finally {
      session.close()
    }
  })
})

describe("the console's event stream, held open 500 times", () => {
  it('keeps answering its page and state while 500 streams are open', async () => {
    const agent = { ca: labCa() }
    const streams = Array.from({ length: 500 }, () => {
      const session = http2.connect(HTTPS, agent)
      session.on('error', () => {})
      const stream = session.request({ ':path': '/console/events' })
      stream.on('error', () => {})
      const opened = new Promise<number>((resolve) =>
        stream.on('response', (h) => resolve(Number(h[':status']))),
      )
      return { session, opened }
    })
    try {
      const statuses = await Promise.all(streams.map((s) => s.opened))
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
      )
      // With all 500 open, the console still answers everyone else.
      for (let i = 0; i < 5; i++) {
        assert.equal((await request(`${HTTPS}/console/api/state`)).status, 200)
        assert.equal((await request(`${HTTPS}/console/`)).status, 200)
      }
    } finally {
      for (const { session } of streams) session.destroy()
    }
  })
})
