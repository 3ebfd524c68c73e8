// Media: uploaded through any replica into the object store, served by nginx from its cache.
// The classic bug of a load-balanced app (the upload landed on app1's disk, the next request went
// to app3) cannot happen here: no replica keeps a file, and none serves one.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import pg from 'pg'
import { startsFromBaseline } from '../lib/baseline.ts'
import { bombPng, MULTIPART, mediaKey, multipart, randomPng, storeClient, TINY } from '../lib/media.ts'
import {
  BASE,
  env,
  lab,
  pgLogin,
  replicaCodeTargets,
  replicaUrl,
  SessionClient,
  TARGETS,
  until,
  waitForReplica,
} from '../lib/stack.ts'

startsFromBaseline()

const s3 = storeClient()
after(() => s3.destroy())

interface Answer {
  status: number
  ms: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes; the tests assert on them.
  body: any
  headers: Headers
}

async function upload(base: string, body: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now()
  const response = await fetch(`${BASE}${base}/api/media`, {
    method: 'POST',
    headers: { 'content-type': MULTIPART, ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  })
  const text = await response.text()
  return {
    status: response.status,
    ms: performance.now() - started,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  }
}

async function fetchMedia(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${BASE}${url}`, { headers, signal: AbortSignal.timeout(10_000) })
  return {
    status: response.status,
    bytes: Buffer.from(await response.arrayBuffer()),
    headers: response.headers,
  }
}

/** The media table's rows, on the primary: a refused upload must leave their count as it was. */
async function mediaRows(key?: string): Promise<number> {
  const client = new pg.Client(pgLogin('pg-primary'))
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>(
      key === undefined
        ? 'SELECT count(*) AS n FROM media'
        : 'SELECT count(*) AS n FROM media WHERE key = $1',
      key === undefined ? [] : [key],
    )
    return Number(rows[0]?.n)
  } finally {
    await client.end()
  }
}

/** Whether the store holds an object under `key`, asked directly (not through nginx's cache). */
async function stored(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: env.get('S3_BUCKET'), Key: key }))
    return true
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false
    throw err
  }
}

/** Every replica's uptime (a restarted one would start again from 0). */
const replicaUptimes = () =>
  Promise.all(
    TARGETS.flatMap((t) => t.replicas).map(
      async (r) =>
        (await new SessionClient().send(`${replicaUrl(r)}/api/whoami`)).body.uptimeSeconds as number,
    ),
  )

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
}

const uploadWorks = (base: string) => async () =>
  (await upload(base, multipart(randomPng(8, 8)))).status === 201

for (const { name, base } of replicaCodeTargets()) {
  describe(`media through ${name} replicas: stored once, served by nginx`, () => {
    it('an image uploaded through one replica is served by nginx with that replica killed: the same bytes, no replica, cached', async () => {
      const image = randomPng(256, 256)
      const created = await upload(base, multipart(image))
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const { key, url, replica } = created.body
      assert.equal(key, mediaKey(image, 'png'))
      assert.deepEqual(created.body, {
        key,
        url: `/media/${key}`,
        contentType: 'image/png',
        bytes: image.length,
        width: 256,
        height: 256,
        replica,
      })

      await lab(['kill', replica])
      try {
        const first = await fetchMedia(url)
        const second = await fetchMedia(url)
        const range = await fetchMedia(url, { range: 'bytes=100-199' })

        assert.equal(first.status, 200)
        assert.ok(first.bytes.equals(image), 'the bytes uploaded')
        assert.equal(first.headers.get('x-replica'), null, 'no replica served it')
        assert.equal(first.headers.get('content-type'), 'image/png')
        assert.equal(first.headers.get('x-cache-status'), 'MISS')
        assert.equal(second.headers.get('x-cache-status'), 'HIT')
        assert.ok(second.bytes.equals(image))
        assert.equal(first.headers.get('cache-control'), 'public, max-age=31536000, immutable')
        // User content: never sniffed into something else, never run, shown under its own key.
        assert.equal(first.headers.get('x-content-type-options'), 'nosniff')
        assert.equal(first.headers.get('content-security-policy'), "default-src 'none'; sandbox")
        assert.equal(first.headers.get('content-disposition'), `inline; filename="${key}"`)
        // Read-only: nothing but GET and HEAD reaches the store through nginx.
        const post = await fetch(`${BASE}${url}`, { method: 'POST', body: 'x' })
        assert.equal(post.status, 405)
        assert.equal(post.headers.get('allow'), 'GET, HEAD')
        assert.match(((await post.json()) as { message: string }).message, /uploads go to POST \/api\/media/)
        assert.equal(range.status, 206)
        assert.equal(range.headers.get('content-range'), `bytes 100-199/${image.length}`)
        assert.ok(range.bytes.equals(image.subarray(100, 200)))
      } finally {
        await lab(['start', replica])
        await waitForReplica(replica, 20_000, base)
      }
    })

    it('each format the contract names is accepted, its type decided by its bytes, not by the header sent', async () => {
      for (const [type, bytes] of Object.entries(TINY)) {
        // Fresh bytes each run would need an encoder; these are fixed, so their keys repeat: fine.
        const created = await upload(
          base,
          multipart(bytes, { type: 'application/octet-stream', filename: `x.${type}` }),
        )
        assert.equal(created.status, 201, `${type}: ${JSON.stringify(created.body)}`)
        assert.equal(created.body.contentType, `image/${type}`)
        const served = await fetchMedia(created.body.url)
        assert.equal(served.status, 200, type)
        assert.ok(served.bytes.equals(bytes), type)
      }
    })

    it('the same image twice is one object and one row; an Idempotency-Key reused for another image is a 422', async () => {
      const image = randomPng()
      const key = `media-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`
      const first = await upload(base, multipart(image), { 'idempotency-key': key })
      const again = await upload(base, multipart(image), { 'idempotency-key': key })
      const unkeyed = await upload(base, multipart(image))
      const other = await upload(base, multipart(randomPng()), { 'idempotency-key': key })

      assert.equal(first.status, 201)
      assert.deepEqual(again.body, first.body, 'a repeat gets the first answer')
      assert.equal(unkeyed.body.key, first.body.key)
      assert.equal(await mediaRows(first.body.key), 1)
      assert.equal(other.status, 422)
      assert.deepEqual(other.body, {
        error: 'Unprocessable Entity',
        message: 'Idempotency-Key already used for a different request',
      })
    })

    it('a note carries an uploaded image, read back with the URL nginx serves it at', async () => {
      const image = randomPng()
      const { key, url } = (await upload(base, multipart(image))).body
      const client = new SessionClient()
      const written = await client.post(`${base}/api/notes`, { text: 'with a picture', image: key })
      assert.equal(written.status, 201, JSON.stringify(written.body))
      const read = await client.send(`${base}/api/notes/${written.body.id}`)
      assert.deepEqual(read.body.note.image, { key, url })
      assert.ok((await fetchMedia(url)).bytes.equals(image))
      const plain = await client.post(`${base}/api/notes`, { text: 'without one' })
      assert.equal((await client.send(`${base}/api/notes/${plain.body.id}`)).body.note.image, null)
    })

    it('hostile uploads: each a clear 4xx in JSON, nothing stored', async () => {
      const png = randomPng(16, 16)
      const html = Buffer.from('<!doctype html><script>alert(1)</script>')
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
      const bomb = bombPng(100_000, 100_000)
      const max = Number(env.get('MEDIA_MAX_BYTES'))
      const cases: Array<{
        story: string
        body: Buffer
        type?: string
        status: number
        message: RegExp
        by: 'nginx' | 'replica'
      }> = [
        {
          story: 'larger than nginx lets through',
          body: multipart(Buffer.alloc(max + 20_000)),
          status: 413,
          message: /./,
          by: 'nginx',
        },
        {
          story: 'a file one byte over MEDIA_MAX_BYTES, in a body nginx lets through',
          body: multipart(Buffer.alloc(max + 1)),
          status: 413,
          message: new RegExp(`^file larger than ${max} bytes$`),
          by: 'replica',
        },
        {
          story: 'HTML sent as image/png',
          body: multipart(html),
          status: 415,
          message: /not a PNG, JPEG, GIF or WebP/,
          by: 'replica',
        },
        {
          story: 'SVG (script inside)',
          body: multipart(svg, { type: 'image/svg+xml', filename: 'x.svg' }),
          status: 415,
          message: /not a PNG/,
          by: 'replica',
        },
        {
          story: 'a PNG signature and nothing after it',
          body: multipart(png.subarray(0, 12)),
          status: 415,
          message: /not a PNG/,
          by: 'replica',
        },
        {
          story: 'a decompression bomb (100000x100000 declared)',
          body: multipart(bomb),
          status: 422,
          message: /pixels/,
          by: 'replica',
        },
        {
          story: 'a file name that is a path',
          body: multipart(png, { filename: '../../etc/passwd.png' }),
          status: 400,
          message: /file name/,
          by: 'replica',
        },
        {
          story: 'a file name with a control character',
          body: multipart(png, { filename: 'a\u0001b.png' }),
          status: 400,
          message: /file name/,
          by: 'replica',
        },
        {
          story: 'a body cut short',
          body: multipart(png, { tail: false }),
          status: 400,
          message: /malformed or incomplete/,
          by: 'replica',
        },
        {
          story: 'the part under another name',
          body: multipart(png, { name: 'image' }),
          status: 400,
          message: /one part, named file/,
          by: 'replica',
        },
        {
          story: 'JSON instead of multipart',
          body: Buffer.from('{"file":"x"}'),
          type: 'application/json',
          status: 415,
          message: /Unsupported Media Type/,
          by: 'replica',
        },
      ]
      const rowsBefore = await mediaRows()
      for (const c of cases) {
        const answer = await upload(base, c.body, c.type ? { 'content-type': c.type } : {})
        assert.equal(answer.status, c.status, `${c.story}: ${JSON.stringify(answer.body)}`)
        assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, c.story)
        assert.match(answer.body.message, c.message, c.story)
        // The status's name is the same whoever answers: nginx, or either replica.
        assert.equal(answer.body.error, STATUS_NAMES[c.status], c.story)
        // nginx refuses what is too large before any replica reads it.
        assert.equal(
          answer.headers.get('x-replica') === null,
          c.by === 'nginx',
          `${c.story}: answered by ${c.by}`,
        )
      }
      assert.equal(await mediaRows(), rowsBefore, 'no row written')
      for (const c of [png, bomb]) assert.equal(await stored(mediaKey(c, 'png')), false, 'no object stored')
    })

    it('the store stopped: uploads answer the replica’s 503, cached media is still served, and all recovers with the store', async (t) => {
      const cached = randomPng()
      const created = await upload(base, multipart(cached))
      assert.equal((await fetchMedia(created.body.url)).status, 200) // now in nginx's cache
      const uptimes = await replicaUptimes()
      const fresh = randomPng()

      await lab(['stop', 'objectstore'])
      let during: Answer
      let servedCached: Awaited<ReturnType<typeof fetchMedia>>
      let uncached: Awaited<ReturnType<typeof fetchMedia>>
      try {
        during = await upload(base, multipart(fresh))
        servedCached = await fetchMedia(created.body.url)
        uncached = await fetchMedia(`/media/${mediaKey(fresh, 'png')}`)
      } finally {
        await lab(['start', 'objectstore'])
      }

      // The replica's own 503 (it names the store), not nginx's 504 after its read timeout.
      assert.equal(during.status, 503)
      assert.deepEqual(during.body, { error: 'Service Unavailable', message: 'object store unavailable' })
      t.diagnostic(`upload with the store stopped: 503 in ${during.ms.toFixed(0)} ms`)
      assert.notEqual(during.headers.get('x-replica'), null)
      assert.equal(servedCached.status, 200)
      assert.ok(servedCached.bytes.equals(cached))
      assert.equal(servedCached.headers.get('x-cache-status'), 'HIT')
      assert.ok(
        uncached.status >= 502 && uncached.status <= 504,
        `uncached media with the store down: ${uncached.status}`,
      )
      assert.equal(await mediaRows(mediaKey(fresh, 'png')), 0, 'no row for the upload that failed')

      await until('uploads work again', uploadWorks(base), 30_000)
      const later = await replicaUptimes()
      for (const [i, uptime] of later.entries())
        assert.ok(uptime >= (uptimes[i] ?? 0), 'no replica restarted')
    })

    it('the primary stopped after the object is stored: 503, an object no row names (harmless), and the retry finds it', async () => {
      const image = randomPng()
      const key = mediaKey(image, 'png')
      await lab(['stop', 'pg-primary'])
      let during: Answer
      try {
        during = await upload(base, multipart(image))
      } finally {
        await lab(['start', 'pg-primary'])
      }
      assert.equal(during.status, 503, JSON.stringify(during.body))
      // The object went in before the row could: nothing names it, and nothing serves a
      // reference to it; its key is its content's hash, so the next upload of it reuses it.
      assert.equal(await stored(key), true)
      assert.equal(await mediaRows(key), 0)

      await until(
        'the primary takes writes again',
        async () => (await upload(base, multipart(image))).status === 201,
        30_000,
      )
      assert.equal(await mediaRows(key), 1)
    })
  })
}
