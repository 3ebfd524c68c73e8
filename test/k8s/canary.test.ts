// A canary behind the Gateway (tools/lab/src/modes/k8s/gateway.ts): `up` with CANARY_WEIGHT=20
// runs the TypeScript set once more as app-canary and gives it that weight of /api at the
// Gateway; `up` with 0 removes it. The split happens at the Gateway, whichever balancer engine
// runs behind it, so this runs once (make test: after `lab up` on the lab's own cluster).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CANARY, gatewayUrl, haveGatewayClass } from '../../tools/lab/src/modes/k8s/gateway.ts'
import { kubectl } from '../../tools/lab/src/modes/k8s/kubectl.ts'
import { BASE, burst, env, type Hit, lab, MODE, SessionClient, shares, until } from '../lib/stack.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

const fromCanary = (hits: Hit[]) => hits.filter((h) => h.replica?.startsWith(`${CANARY}-`))
const failed = (hits: Hit[]) => hits.filter((h) => h.status !== 200)

describe('a canary of the TypeScript set behind the Gateway', () => {
  let url = ''
  before(async () => {
    assert.ok(await haveGatewayClass(env), 'the cluster offers the GatewayClass GATEWAY_CLASS names')
    url = await gatewayUrl()
  })

  describe('with CANARY_WEIGHT=20', () => {
    before(async () => {
      await lab(['up'], { CANARY_WEIGHT: '20' })
      // The implementation takes up the new route within a moment of the API server having it.
      await until(
        'the canary taking requests',
        async () => fromCanary(await burst(`${url}/api/whoami`, 10, 1)).length > 0,
      )
    })
    after(async () => {
      await lab(['up'], { CANARY_WEIGHT: '0' })
    })

    it('takes about its weight of /api: of 200 requests, between 10% and 30%', async () => {
      const hits = await burst(`${url}/api/whoami`, 200, 4)
      assert.deepEqual(failed(hits), [])
      const canary = fromCanary(hits).length
      assert.ok(canary >= 20 && canary <= 60, `the canary answered ${canary} of 200`)
    })

    it('takes nothing else: not the Python set, not what comes to the balancer directly', async () => {
      for (const hits of [await burst(`${url}/py/api/whoami`, 40, 2), await burst('/api/whoami', 40, 2)]) {
        assert.deepEqual(failed(hits), [])
        assert.deepEqual(fromCanary(hits), [], JSON.stringify(shares(hits)))
      }
    })

    it('shares the sessions: 40 visits counted exactly, the canary among the pods that served them', async () => {
      const client = new SessionClient()
      for (let i = 0; i < 40; i++) assert.equal((await client.post(`${url}/api/visits`)).status, 200)
      const final = await client.send(`${url}/api/visits`)
      assert.equal(final.body.visits, 40)
      assert.ok(
        final.body.replicasSeen.some((r: string) => r.startsWith(`${CANARY}-`)),
        JSON.stringify(final.body.replicasSeen),
      )
    })

    it('sees the client as the rest of the set does, and does not believe a forged X-Forwarded-For', async () => {
      const whoami = async (base: string, init?: RequestInit) => {
        const response = await fetch(`${base}/api/whoami`, init)
        return (await response.json()) as { replica: string; clientIp: string }
      }
      const direct = await whoami(BASE)
      let canary: { replica: string; clientIp: string } | undefined
      await until('a canary answer', async () => {
        const answer = await whoami(url, { headers: { 'x-forwarded-for': '203.0.113.9' } })
        if (answer.replica.startsWith(`${CANARY}-`)) canary = answer
        return canary !== undefined
      })
      assert.equal(canary?.clientIp, direct.clientIp)
    })
  })

  it('goes with its weight back at 0: its Deployment and route removed, every request to the set', async () => {
    for (const kind of ['deployment', 'httproute'])
      assert.notEqual((await kubectl(['get', `${kind}/${CANARY}`], { timeoutMs: 10_000 })).code, 0, kind)
    const hits = await burst(`${url}/api/whoami`, 40, 2)
    assert.deepEqual(failed(hits), [])
    assert.deepEqual(fromCanary(hits), [], JSON.stringify(shares(hits)))
  })
})
