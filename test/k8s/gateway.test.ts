// The edge the Gateway API way (k8s/gateway/): a Gateway the cluster's implementation serves and
// a route to the lab's balancer, which still spreads each set over its pods and sees the client
// the Gateway names. make test runs this after `lab up` on the lab's own cluster, whose
// implementation is Traefik (k8s/cluster/traefik.yaml), with each balancer engine; the canary
// behind the Gateway is canary.test.ts.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { GATEWAY, gatewayUrl, haveGatewayClass } from '../../tools/lab/src/modes/k8s/gateway.ts'
import { kubectlOk } from '../../tools/lab/src/modes/k8s/kubectl.ts'
import { BASE, burst, env, hit, MODE, shares, until } from '../lib/stack.ts'
import { pods } from './pods.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

interface Condition {
  type: string
  status: string
}
const holds = (conditions: Condition[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') ?? false

describe(`the Gateway in front of the balancer (GatewayClass ${env.get('GATEWAY_CLASS')})`, () => {
  let url = ''
  before(async () => {
    assert.ok(await haveGatewayClass(env), 'the cluster offers the GatewayClass GATEWAY_CLASS names')
    url = await gatewayUrl()
    // The implementation takes up a changed route within a moment of the API server having it.
    await until('the Gateway serving the route', async () => (await hit(`${url}/api/whoami`)).status === 200)
  })

  it('is accepted and programmed by the implementation, its route accepted with every backend resolved', async () => {
    const gateway = JSON.parse(await kubectlOk(['get', `gateway/${GATEWAY}`, '-o', 'json']))
    assert.ok(holds(gateway.status.conditions, 'Accepted'), JSON.stringify(gateway.status))
    assert.ok(holds(gateway.status.conditions, 'Programmed'), JSON.stringify(gateway.status))
    const route = JSON.parse(await kubectlOk(['get', `httproute/${GATEWAY}`, '-o', 'json']))
    const parent = route.status.parents[0]
    assert.ok(holds(parent?.conditions, 'Accepted'), JSON.stringify(route.status))
    assert.ok(holds(parent?.conditions, 'ResolvedRefs'), JSON.stringify(route.status))
  })

  for (const [set, prefix] of [
    ['app', ''],
    ['py', '/py'],
  ] as const) {
    it(`reaches every ${set} pod through the balancer: 90 requests, least_conn still spreading them`, async () => {
      const expected = await pods(set)
      const hits = await burst(`${url}${prefix}/api/whoami`, 90, 3)
      assert.deepEqual(
        hits.filter((h) => h.status !== 200),
        [],
      )
      const share = shares(hits)
      const now = await pods(set)
      for (const pod of expected.filter((p) => now.includes(p))) assert.ok(share[pod], JSON.stringify(share))
      for (const pod of Object.keys(share)) assert.ok(pod.startsWith(`${set}-`), JSON.stringify(share))
    })
  }

  it('the balancer and the replicas see the client, not the Gateway, and a forged X-Forwarded-For is not believed', async () => {
    const whoami = async (base: string, init?: RequestInit) =>
      (await (await fetch(`${base}/api/whoami`, init)).json()) as { clientIp: string }
    const direct = await whoami(BASE)
    const through = await whoami(url, { headers: { 'x-forwarded-for': '203.0.113.9' } })
    // This machine is the same client whichever way it comes in (not the Gateway's pod, which
    // is the balancer's peer; not what the request claimed).
    assert.equal(through.clientIp, direct.clientIp)
    assert.notEqual(through.clientIp, '203.0.113.9')
  })
})
