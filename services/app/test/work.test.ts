import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor } from './helpers.ts'

describe('GET /api/work', () => {
  it('runs at most WORK_CONCURRENCY at once and queues the rest without failing any', async (t) => {
    const app = await appFor(t, { WORK_CONCURRENCY: '2' })
    const responses = await Promise.all(Array.from({ length: 6 }, () => app.inject('/api/work?ms=100')))

    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(6).fill(200),
    )
    // Two start at once; the others wait for a slot, in turns of about 100 ms.
    const waits = responses.map((r) => r.json().queuedMs).sort((a, b) => a - b)
    assert.equal(waits.filter((ms) => ms < 50).length, 2, `queued ms: ${waits}`)
    assert.ok((waits.at(-1) ?? 0) >= 180, `queued ms: ${waits}`)
  })

  it('rejects a missing, malformed or too large ms with a 400', async (t) => {
    const app = await appFor(t)
    for (const query of ['', '?ms=abc', '?ms=-5', '?ms=10&x=1', `?ms=${app.config.WORK_MAX_MS + 1}`]) {
      const response = await app.inject(`/api/work${query}`)
      assert.equal(response.statusCode, 400, query)
      assert.equal(response.json().error, 'Bad Request')
    }
  })
})
