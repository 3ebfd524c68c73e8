import assert from 'node:assert/strict'
import { test } from 'node:test'
import { History } from '../src/history.ts'
import { parseLesson } from '../src/lesson.ts'
import type { Snapshot } from '../src/view.ts'

test('a lesson the CLI reports is taken as told; a malformed one is a message for a 400', () => {
  const told = {
    n: 4,
    title: 'Failure',
    startedAt: 1000,
    check: { passed: true, said: 'app2 down, none failed', at: 2000 },
  }
  assert.deepEqual(parseLesson(told), told)
  assert.deepEqual(parseLesson({ ...told, check: null }), { ...told, check: null })
  for (const [body, message] of [
    [[], /an object/],
    [{ ...told, n: 0 }, /lesson number/],
    [{ ...told, n: 2.5 }, /lesson number/],
    [{ ...told, title: '' }, /title/],
    [{ ...told, title: 'x'.repeat(121) }, /title/],
    [{ ...told, startedAt: 'yesterday' }, /startedAt/],
    [{ ...told, check: { passed: 'yes', said: '' } }, /check must be/],
    [{ ...told, check: { passed: true, said: 'x'.repeat(1001) } }, /check must be/],
  ] as const)
    assert.match(String(parseLesson(body)), message)
})

test("the history keeps five minutes of every replica's share, p95, errors and state, and forgets the rest", () => {
  const history = new History()
  const at = (ms: number, state: string): Snapshot =>
    ({
      at: ms,
      sets: [
        {
          name: 'app',
          replicas: [{ name: 'app2', state, traffic: { share: 0.5, p95Ms: 3, errors: 1 } }],
        },
      ],
    }) as unknown as Snapshot
  for (let ms = 0; ms <= 6 * 60_000; ms += 2000) history.record(at(ms, ms === 300_000 ? 'down' : 'serving'))
  const kept = history.all()
  assert.equal(kept[0]?.at, 60_000)
  assert.equal(kept.at(-1)?.at, 360_000)
  assert.deepEqual(kept.find((s) => s.at === 300_000)?.replicas.app2, {
    set: 'app',
    share: 0.5,
    p95Ms: 3,
    errors: 1,
    state: 'down',
  })
})
