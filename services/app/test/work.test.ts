import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor } from './helpers.ts'

describe('GET /api/work', () => {
  it('runs WORK_CONCURRENCY at once, queues as many more, and sheds the rest at once with 503 and Retry-After', async (t) => {
    const app = await appFor(t, { WORK_CONCURRENCY: '2' })
    const started = performance.now()
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        app.inject('/api/work?ms=100').then((r) => ({ r, ms: performance.now() - started })),
      ),
    )

    const ok = responses.filter(({ r }) => r.statusCode === 200)
    const shed = responses.filter(({ r }) => r.statusCode === 503)
    assert.equal(ok.length, 4)
    assert.equal(shed.length, 2)
    // Two start at once, two wait about one turn (100 ms) for a slot.
    const waits = ok.map(({ r }) => r.json().queuedMs).sort((a, b) => a - b)
    assert.equal(waits.filter((ms) => ms < 50).length, 2, `queued ms: ${waits}`)
    assert.ok((waits.at(-1) ?? 0) >= 80, `queued ms: ${waits}`)
    // A full queue answers at once: before the first admitted request has done its 100 ms.
    const firstDone = Math.min(...ok.map(({ ms }) => ms))
    for (const { r, ms } of shed) {
      assert.ok(
        ms < firstDone,
        `shed after ${ms.toFixed(0)} ms, the first 200 after ${firstDone.toFixed(0)} ms`,
      )
      assert.equal(r.headers['retry-after'], '1')
      assert.deepEqual(r.json(), {
        error: 'Service Unavailable',
        message: 'overloaded: 2 already waiting; retry later',
      })
    }
  })

  it('sheds a request that gets no slot within WORK_QUEUE_TIMEOUT_MS, well before nginx would time out', async (t) => {
    const app = await appFor(t, { WORK_CONCURRENCY: '1', WORK_QUEUE_TIMEOUT_MS: '100' })
    // .then sends it (light-my-request's inject is lazy); it holds the only slot for 400 ms.
    const busy = app.inject('/api/work?ms=400').then((r) => r)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const started = performance.now()
    const waited = await app.inject('/api/work?ms=10')
    const ms = performance.now() - started
    assert.equal(waited.statusCode, 503)
    assert.equal(waited.json().message, 'overloaded: no slot within 100 ms; retry later')
    assert.ok(ms >= 90 && ms < 300, `shed after ${ms.toFixed(0)} ms`)
    assert.equal((await busy).statusCode, 200)
    // The slot is free again: nothing of the shed request stayed in the queue.
    assert.equal((await app.inject('/api/work?ms=10')).statusCode, 200)
  })

  it('spends cpu= as CPU time, one request after another (a wait would cost none)', async (t) => {
    const app = await appFor(t)
    const before = process.cpuUsage()
    const started = performance.now()
    const answers = await Promise.all([1, 2, 3].map(() => app.inject('/api/work?cpu=30')))
    const wall = performance.now() - started
    const { user, system } = process.cpuUsage(before)
    assert.deepEqual(
      answers.map((r) => [r.statusCode, r.json().cpu]),
      [
        [200, 30],
        [200, 30],
        [200, 30],
      ],
    )
    // 90 ms of CPU in all; one process computes one at a time, so at least 90 ms went by.
    assert.ok((user + system) / 1000 >= 90, `${(user + system) / 1000} ms of CPU`)
    assert.ok(wall >= 90, `${wall} ms`)
  })

  it('rejects a missing, malformed or too large ms with a 400', async (t) => {
    const app = await appFor(t)
    for (const query of [
      '',
      '?ms=abc',
      '?ms=-5',
      '?ms=10&x=1',
      `?ms=${app.config.WORK_MAX_MS + 1}`,
      '?ms=5&cpu=5',
      `?cpu=${app.config.WORK_MAX_MS + 1}`,
    ]) {
      const response = await app.inject(`/api/work${query}`)
      assert.equal(response.statusCode, 400, query)
      assert.equal(response.json().error, 'Bad Request')
    }
  })
})
