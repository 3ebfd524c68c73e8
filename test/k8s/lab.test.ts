// The lab on Kubernetes (`make up MODE=k8s`), proven as in the other modes: each replica is a
// pod, and the balancer's upstream follows the pods of each set through its headless Service.
// make test runs this after `lab up` on the lab's own cluster (test/parts-k8s.ts).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { kubectlOk } from '../../tools/lab/src/modes/k8s/kubectl.ts'
import { burst, lab, MODE, SessionClient, shares, stream, TARGETS, until } from '../lib/stack.ts'
import { pods, probeFailures } from './pods.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

for (const { name, base, set } of TARGETS) {
  describe(`the lab on Kubernetes (${name} replicas)`, () => {
    // The autoscaler may add a pod meanwhile (this suite's own load is CPU): every ready pod counts.
    it('least_conn spreads 150 requests over every pod of the set, more than half only to the fastest', async () => {
      const expected = await pods(set)
      assert.ok(expected.length >= 3, `pods: ${expected}`)
      const began = new Date(Math.floor(Date.now() / 1000) * 1000)
      const hits = await burst(`${base}/api/whoami`, 150, 6)
      assert.deepEqual(
        hits.filter((h) => h.status !== 200),
        [],
      )
      const share = shares(hits)
      // Every pod ready throughout got a share, and only the set's pods answered.
      const now = await pods(set)
      for (const pod of expected.filter((p) => now.includes(p)))
        assert.ok(share[pod], `${pod}: ${JSON.stringify(share)}`)
      for (const pod of Object.keys(share)) assert.ok(pod.startsWith(`${set}-`), JSON.stringify(share))
      // least_conn sends the next request to the pod with the fewest in flight: one that answers
      // faster holds fewer and gets more (CI run 50: 51% to a Python pod answering in 3 ms, the
      // others in 7 and 8). More than half to a pod is least_conn's doing only if that pod is the
      // fastest, and never near all of it; any other skew names its cause: per pod, its share and
      // median answer time, any probe that failed meanwhile (a pod out of its Service), and what
      // the balancer said of its servers (HAProxy logs a server going DOWN or UP).
      const median = (pod: string) => {
        const ms = hits
          .filter((h) => h.replica === pod)
          .map((h) => h.ms)
          .sort((a, b) => a - b)
        return ms[Math.floor(ms.length / 2)] ?? 0
      }
      const fastest = Math.min(...Object.keys(share).map(median))
      const skewed = Object.entries(share).filter(
        ([pod, part]) => part > 0.8 || (part > 0.5 && median(pod) > fastest),
      )
      if (skewed.length) {
        const perPod = Object.entries(share).map(
          ([pod, part]) => `${pod} ${Math.round(part * 100)}% ${Math.round(median(pod))} ms`,
        )
        const balancer = await kubectlOk(['logs', 'deployment/balancer', '--since=2m']).catch((err) =>
          String(err),
        )
        const changes = balancer
          .split('\n')
          .filter((line) => /is (DOWN|UP)|no server available|resolution/i.test(line))
        assert.fail(
          `skewed beyond least_conn's own reason: ${perPod.join(', ')}; failed probes: ${(await probeFailures(began)).join('; ') || 'none'}; the balancer on its servers: ${changes.slice(-10).join(' | ') || 'nothing'}`,
        )
      }
    })

    it('a session lives in Redis: 60 visits counted exactly, served by more than one pod', async () => {
      const client = new SessionClient()
      for (let i = 0; i < 60; i++) assert.equal((await client.post(`${base}/api/visits`)).status, 200)
      const final = await client.send(`${base}/api/visits`)
      assert.equal(final.body.visits, 60)
      assert.ok(final.body.replicasSeen.length >= 2, JSON.stringify(final.body.replicasSeen))
    })

    it('read-your-writes: 100 notes each read back at once in its session', async () => {
      const client = new SessionClient()
      let misses = 0
      for (let i = 0; i < 100; i++) {
        const text = `k8s ryw ${name} ${i}`
        const written = await client.post(`${base}/api/notes`, { text })
        assert.equal(written.status, 201, JSON.stringify(written.body))
        const read = await client.send(`${base}/api/notes/${written.body.id}`)
        if (read.status !== 200 || read.body.note.text !== text) misses++
      }
      assert.equal(misses, 0)
    })

    it('a pod deleted without grace in the middle of a stream of GETs costs none of them; its replacement takes traffic once ready', async (t) => {
      const before = await pods(set)
      const victim = before[1] as string
      const traffic = stream(`${base}/api/whoami`, 4)
      await until('traffic flowing', async () => traffic.hits.length > 50)
      await lab(['kill', victim])
      const replaced = await until(
        `a pod in place of ${victim}, ready`,
        async () => (await pods(set)).some((pod) => !before.includes(pod)),
        60_000,
      )
      const newcomer = (await pods(set)).find((pod) => !before.includes(pod)) as string
      const served = await until(`${newcomer} answering through the balancer`, async () =>
        traffic.hits.slice(-40).some((h) => h.replica === newcomer),
      )
      const hits = await traffic.stop()
      t.diagnostic(
        `${hits.length} GETs; replacement ready ${replaced.toFixed(1)} s after the kill, served ${served.toFixed(1)} s later`,
      )
      assert.deepEqual(
        hits.filter((h) => h.status !== 200).map((h) => `${h.status} from ${h.replica}`),
        [],
      )
    })
  })
}
