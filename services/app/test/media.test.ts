import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MULTIPART, multipart, randomPng } from '../../../test/lib/media.ts'
import { appFor, closedPort } from './helpers.ts'

describe('POST /api/media reads up to MEDIA_MAX_BYTES, whatever Fastify’s own body limit', () => {
  it('takes an image larger than Fastify’s default 1 MiB, refuses one over the limit, and says so when the store is away', async (t) => {
    const store = await closedPort()
    const app = await appFor(t, {
      S3_ENDPOINT: `http://127.0.0.1:${store}`,
      MEDIA_MAX_BYTES: String(3 * 1024 * 1024),
    })
    const send = (bytes: Buffer) =>
      app.inject({
        method: 'POST',
        url: '/api/media',
        headers: { 'content-type': MULTIPART },
        payload: multipart(bytes),
      })

    const large = randomPng(640, 640) // about 1.2 MB: random pixels do not compress
    assert.ok(large.length > 1024 * 1024)
    const tooLarge = randomPng(1100, 1100) // about 3.6 MB

    const accepted = await send(large)
    const refused = await send(tooLarge)

    // Read whole and checked: only the store's absence stopped it.
    assert.equal(accepted.statusCode, 503, accepted.body)
    assert.deepEqual(accepted.json(), { error: 'Service Unavailable', message: 'object store unavailable' })
    assert.equal(refused.statusCode, 413, refused.body)
    assert.deepEqual(refused.json(), {
      error: 'Payload Too Large',
      message: `file larger than ${3 * 1024 * 1024} bytes`,
    })
  })
})
