import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor, serverTiming, until } from './helpers.ts'

describe('GET /api/work', () => {
  it('runs WORK_CONCURRENCY at once, queues as many more, and sheds the rest at once with 503 and Retry-After', async (t) => {
    const app = await appFor(t, { WORK_CONCURRENCY: '2' })
    const responses = await Promise.all(Array.from({ length: 6 }, () => app.inject('/api/work?ms=100')))
    const waited = (r: (typeof responses)[number]) => serverTiming(r.headers['server-timing'])['work-queue']

    const ok = responses.filter((r) => r.statusCode === 200)
    const shed = responses.filter((r) => r.statusCode === 503)
    assert.equal(ok.length, 4)
    assert.equal(shed.length, 2)
    // Two waited a turn for a slot (one of the first two's 100 ms): a lower bound, which a
    // slow machine only makes longer. The replica reports it twice: queuedMs and Server-Timing.
    const waits = ok.map((r) => r.json().queuedMs).sort((a, b) => a - b)
    assert.equal(waits.filter((ms) => ms >= 80).length, 2, `queued ms: ${waits}`)
    assert.deepEqual(ok.map(waited).sort(), [...waits].sort())
    // A full queue turns the rest away without waiting: by rule (the message), and measured
    // by the replica (far under the WORK_QUEUE_TIMEOUT_MS they would otherwise wait).
    for (const r of shed) {
      assert.equal(r.headers['retry-after'], '1')
      assert.deepEqual(r.json(), {
        error: 'Service Unavailable',
        message: 'overloaded: 2 already waiting; retry later',
      })
      assert.ok(
        (waited(r) ?? Number.NaN) < app.config.WORK_QUEUE_TIMEOUT_MS,
        r.headers['server-timing'] as string,
      )
    }
  })

  it('sheds a request that gets no slot within WORK_QUEUE_TIMEOUT_MS, well before nginx would time out', async (t) => {
    const app = await appFor(t, { WORK_CONCURRENCY: '1', WORK_QUEUE_TIMEOUT_MS: '100' })
    // .then sends it (light-my-request's inject is lazy); it holds the only slot for 400 ms.
    const busy = app.inject('/api/work?ms=400').then((r) => r)
    await until('the only slot taken', async () =>
      (await app.inject('/metrics')).body.includes('work_in_flight{replica="test-replica"} 1'),
    )
    const waited = await app.inject('/api/work?ms=10')
    assert.equal(waited.statusCode, 503)
    // Turned away by its own wait running out (the message), not when the slot came free.
    assert.equal(waited.json().message, 'overloaded: no slot within 100 ms; retry later')
    const ms = serverTiming(waited.headers['server-timing'])['work-queue'] ?? 0
    assert.ok(ms >= 99, `shed after ${ms} ms, before its 100 ms were up`)
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
