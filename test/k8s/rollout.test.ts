// A rolling update on Kubernetes under k6 load with POSTs (loadtests/rollout.ts, the same plan
// as the other modes: `lab rollout` mid-run, here the Deployment's own rolling update). No
// request of any method may fail: a new pod is ready before an old one goes, and an old one
// leaves the balancer's DNS answer (preStop) before it drains. The sets' autoscalers are held
// meanwhile: the rollout is the story here, not two cores booting pods for both at once.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { keep, report, runner } from '../k6/lib.ts'
import { MODE, TARGETS } from '../lib/stack.ts'
import { holdAutoscalers } from './pods.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

describe('k6 on Kubernetes: a rolling update under load', () => {
  let held: Awaited<ReturnType<typeof holdAutoscalers>> | undefined
  before(async () => {
    held = await holdAutoscalers(TARGETS.map((target) => target.set))
  })
  after(async () => {
    await held?.release()
  })

  for (const { name, set } of TARGETS) {
    it(`rollout: every ${name} pod replaced under load with POSTs, none of any method failing`, async (t) => {
      const { code, output } = await runner('rollout', set)
      t.diagnostic(
        `autoscalers held at their floors (at rest ${held?.rested.toFixed(1)} s before the first run)`,
      )
      t.diagnostic(report(output))
      keep(`rollout-${name}`, output)
      assert.equal(code, 0, output)
    })
  }
})
