import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import { lab, TARGETS } from '../lib/stack.ts'
import { k6, keep, report, runner } from './lib.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

// What the balancer spreads and keeps under real traffic, in each mode (k6 natively, its
// container in Docker mode): distribution, scaling, media, sessions.
describe('k6: the promises, measured with real traffic', () => {
  after(() => lab(['up'], { LB_STRATEGY: 'least_conn' }))

  it('distribution under least_conn: each replica within ±10 points of a third', async (t) => {
    await lab(['up'], { LB_STRATEGY: 'least_conn' })
    const { code, output } = await k6('distribution.ts', 'EXPECT=even')
    t.diagnostic(report(output))
    keep('distribution', output)
    assert.equal(code, 0, output)
  })

  it('distribution under ip_hash: every client sees exactly one replica', async (t) => {
    await lab(['up'], { LB_STRATEGY: 'ip_hash' })
    const { code, output } = await k6('distribution.ts', 'EXPECT=sticky', 'SECONDS=5')
    t.diagnostic(report(output))
    assert.equal(code, 0, output)
  })

  it('scale: 3 to 5, then 5 to 2, under load with POSTs; nothing fails, counts stay exact, the new replicas take traffic', async (t) => {
    const { code, output } = await runner('scale')
    t.diagnostic(report(output))
    keep('scale', output)
    assert.equal(code, 0, output)
    assert.match(output, /first answers after `make scale n=5`: app4 [\d.]+ s, app5 [\d.]+ s/)
  })

  for (const { name, set } of TARGETS) {
    it(`media: uploads through ${name} replicas and fetches from nginx in a mix, one replica killed mid-run; none fails`, async (t) => {
      const { code, output } = await runner('media', set)
      t.diagnostic(report(output))
      keep(`media-${name}`, output)
      assert.equal(code, 0, output)
      assert.match(output, /cache hit ratio [\d.]+%/)
    })
  }

  it('sessions: counts stay exact while a replica is killed', async (t) => {
    const { code, output } = await runner('sessions')
    t.diagnostic(report(output))
    keep('sessions', output)
    assert.equal(code, 0, output)
  })
})
