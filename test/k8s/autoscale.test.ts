// The autoscaler on Kubernetes: CPU-bound requests (/api/work?cpu=) make the TypeScript set's
// HorizontalPodAutoscaler add pods, which the balancer takes into rotation as they become
// ready; once the load stops it takes them away again, to the count `make up` chose. No request
// fails either way. The load comes at a fixed rate, about 0.4 of a core: above what the set's
// CPU requests allow (the autoscaler's cue), well below what the machine can do, so what is
// proven is the autoscaler, not an overload (the lab's overload lessons are elsewhere). Its pace
// (metrics every 10 s, the autoscaler every 15 s, 30 s of quiet before scaling in) is reported,
// not asserted.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { kubectlOk } from '../../tools/lab/src/modes/k8s/kubectl.ts'
import { replicaCount } from '../../tools/lab/src/topology.ts'
import { env, type Hit, hit, MODE, until } from '../lib/stack.ts'
import { probeFailures } from './pods.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

/** Requests sent at `perSecond`, whatever the answers' pace; `stop()` resolves with every answer. */
function paced(path: string, perSecond: number): { hits: Hit[]; stop(): Promise<Hit[]> } {
  const hits: Hit[] = []
  const pending = new Set<Promise<void>>()
  const send = () => {
    const started = performance.now()
    const request = hit(path)
      .catch(() => ({ status: 0, replica: null, ms: performance.now() - started, headers: new Headers() }))
      .then((h) => {
        hits.push(h)
      })
      .finally(() => pending.delete(request))
    pending.add(request)
  }
  const timer = setInterval(send, 1000 / perSecond)
  return {
    hits,
    async stop() {
      clearInterval(timer)
      await Promise.all(pending)
      return hits
    },
  }
}

/**
 * For a failed request, what the balancer logged of it (the upstreams it tried and their
 * answers, by request id) and what the cluster warned of meanwhile (a probe failing): the cause,
 * in the test's output, rather than a count of 502s.
 */
async function whyFailed(failed: Hit[]): Promise<string> {
  const ids = new Set(failed.map((h) => h.headers.get('x-request-id')).filter(Boolean))
  const log = await kubectlOk(['logs', 'deployment/balancer', '--since=10m']).catch((err) => String(err))
  const events = await kubectlOk([
    'get',
    'events',
    '--field-selector=type=Warning',
    '--sort-by=.lastTimestamp',
  ]).catch((err) => String(err))
  const lines = log.split('\n').filter((line) => [...ids].some((id) => id && line.includes(id as string)))
  return `the balancer on the failed requests:\n${lines.slice(0, 10).join('\n')}\nwarnings:\n${events.split('\n').slice(-25).join('\n')}`
}

const readyPods = async () =>
  Number((await kubectlOk(['get', 'deployment/app', '-o', 'jsonpath={.status.readyReplicas}'])) || 0)

describe('the autoscaler on Kubernetes', () => {
  it('adds app pods under CPU load, serves from each, and takes them away once the load stops; no request fails', async (t) => {
    const floor = replicaCount(env, 'app')
    // From the floor: after another suite's load the autoscaler may still be scaling in.
    await until(`${floor} app pods`, async () => (await readyPods()) === floor, 180_000)
    const began = new Date(Math.floor(Date.now() / 1000) * 1000)
    const load = paced('/api/work?cpu=10', 40)
    let hits: Hit[] = []
    let out = 0
    let ready = 0
    try {
      out = await until(
        'more app pods than the floor, ready',
        async () => (await readyPods()) > floor,
        180_000,
      )
      ready = await readyPods()
      // The balancer asks for the set's pods every second: each ready one takes requests soon.
      await until(
        `requests served by ${ready} pods`,
        async () => new Set(load.hits.slice(-300).map((h) => h.replica)).size >= ready,
        30_000,
      )
    } finally {
      hits = await load.stop()
    }
    const back = await until('the floor again', async () => (await readyPods()) === floor, 180_000)
    t.diagnostic(
      `${hits.length} requests; ${ready} pods ready ${out.toFixed(0)} s after the load began, each serving; back to ${floor} ${back.toFixed(0)} s after it ended`,
    )
    const unhealthy = await probeFailures(began)
    t.diagnostic(
      `probes failed meanwhile: ${unhealthy.length}${unhealthy.length ? `\n${unhealthy.slice(0, 10).join('\n')}` : ''}`,
    )
    const failed = hits.filter((h) => h.status !== 200)
    if (failed.length > 0) t.diagnostic(await whyFailed(failed))
    assert.deepEqual(
      failed.map((h) => `${h.status} from ${h.replica}`),
      [],
    )
  })
})
