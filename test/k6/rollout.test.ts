import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import { lab, TARGETS } from '../lib/stack.ts'
import { keep, report, runner } from './lib.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

// Replicas lost and replaced under load, with POSTs: what each balancer engine must get right
// in each mode (make test runs this file against HAProxy too).
describe('k6: failover and rollouts under load, no request failing', () => {
  after(() => lab(['up'], { LB_STRATEGY: 'least_conn' }))

  it('failover: kill, start, pause, unpause app2 under load; no request fails', async (t) => {
    await lab(['up'], { LB_STRATEGY: 'least_conn' })
    const { code, output } = await runner('failover')
    t.diagnostic(report(output))
    keep('failover', output)
    assert.equal(code, 0, output)
  })

  for (const { name, set } of TARGETS) {
    it(`rollout: every ${name} replica restarted one at a time under load with POSTs, none of any method failing`, async (t) => {
      const { code, output } = await runner('rollout', set)
      t.diagnostic(report(output))
      keep(`rollout-${name}`, output)
      assert.equal(code, 0, output)
    })
  }
})
