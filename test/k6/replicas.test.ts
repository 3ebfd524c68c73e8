import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { env, lab, TARGETS } from '../lib/stack.ts'
import { k6, keep, report } from './lib.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

// What the replicas and the scripts themselves promise (the contract's routes, load shedding, a
// check that can fail): neither the run mode nor the engine changes it, so make test runs it
// once, natively.
describe('k6: the replicas and the scripts, measured once', () => {
  after(() => lab(['up'], { LB_STRATEGY: 'least_conn' }))

  for (const { name, base, replicas } of TARGETS) {
    it(`smoke: every contract route answers as specified (${name} replicas)`, async (t) => {
      const started = Date.now()
      const { code, output } = await k6('smoke.ts', `BASE_PATH=${base}`, `REPLICAS=${replicas.join(',')}`)
      t.diagnostic(report(output))
      assert.equal(code, 0, output)
      // k6 exits 0 even when it cannot write its summary (a folder it may not write to).
      const summary = join(repoRoot, 'loadtests/results/smoke.json')
      assert.ok(existsSync(summary) && statSync(summary).mtimeMs >= started - 1000, `no fresh ${summary}`)
    })
  }

  for (const { name, base, replicas } of TARGETS) {
    it(`overload at 5x capacity (${name} replicas): goodput at least 90% of the capacity measured at 1.25x, the rest shed at once with 503, no 502 or 504, /api/whoami stays 200`, async (t) => {
      const set = [
        `BASE_PATH=${base}`,
        `REPLICAS=${replicas.join(',')}`,
        `WORK_CONCURRENCY=${env.get('WORK_CONCURRENCY')}`,
      ]
      // What the replicas can do here: at 1.25x every slot is busy and the excess shed, so the
      // work done is their capacity on this machine, k6's and nginx's share of the cores taken.
      const measuring = await k6('overload.ts', 'MULTIPLE=1.25', 'SECONDS=6', 'GOODPUT_FLOOR=0', ...set)
      assert.equal(measuring.code, 0, measuring.output)
      const [, capacity = '0', saturated = '0'] =
        /goodput (\d+) req\/s \(\d+% of capacity\), shed ([\d.]+)%/.exec(measuring.output) ?? []
      assert.ok(
        Number(saturated) > 0,
        `nothing shed at 1.25x: the slots were not all busy\n${measuring.output}`,
      )
      t.diagnostic(`capacity measured at 1.25x: ${capacity} req/s`)

      const floor = Math.floor(0.9 * Number(capacity))
      const { code, output } = await k6(
        'overload.ts',
        'MULTIPLE=5',
        'SECONDS=6',
        `GOODPUT_FLOOR=${floor}`,
        ...set,
      )
      t.diagnostic(report(output))
      keep(`overload-${name}`, output)
      assert.equal(code, 0, output)
      // The run really was an overload (most work shed), and the thresholds above held for it:
      // goodput, sheds at once (overload.ts).
      // A third shed: k6 offered at least 1.5 times what was served (on two cores it cannot
      // always offer the whole 5x: the iterations it dropped are counted apart).
      const [, shed = '0'] = /% of capacity\), shed ([\d.]+)%/.exec(output) ?? []
      assert.ok(Number(shed) >= 33, `shed ${shed}%: not an overload`)
    })
  }

  it('the distribution check bites: skewed weights fail the "even" expectation', async (t) => {
    await lab(['up'], { LB_STRATEGY: 'weighted', LB_WEIGHTS: '5,3,2' })
    const { code, output } = await k6('distribution.ts', 'EXPECT=even', 'SECONDS=5')
    t.diagnostic(report(output))
    assert.equal(code, 99, 'k6 exits 99 when a threshold fails')
    assert.match(output, /FAILED threshold replica_hits\{replica:app1\}/)
  })
})
