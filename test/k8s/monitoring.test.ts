// Prometheus on Kubernetes: the same rules and dashboard as the other modes, each replica set's
// pods found through the Kubernetes API (kubernetes_sd) rather than listed. make test runs this
// after `lab up` on the lab's own cluster (test/parts-k8s.ts).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { askCluster } from '../../tools/lab/src/modes/k8s/cluster.ts'
import { haveGatewayClass } from '../../tools/lab/src/modes/k8s/gateway.ts'
import { kubectlOk } from '../../tools/lab/src/modes/k8s/kubectl.ts'
import { writeOverlay } from '../../tools/lab/src/modes/k8s/overlay.ts'
import {
  type ActiveTarget,
  activeTargets,
  assertEveryJobUp,
  emptyPanels,
  panelQueries,
  query,
} from '../lib/prometheus.ts'
import { burst, ENGINE, env, MODE, TARGETS, until } from '../lib/stack.ts'
import { autoscalerAtRest, pods } from './pods.ts'

assert.equal(MODE, 'k8s', 'this suite runs against MODE=k8s')

/** The set's scraped replicas (pod names), up or not (yet). */
async function scraped(set: string, all?: ActiveTarget[]): Promise<{ up: string[]; down: string[] }> {
  const targets = (all ?? (await activeTargets())).filter((t) => t.labels.job === set)
  const names = (health: boolean) =>
    targets
      .filter((t) => (t.health === 'up') === health)
      .map((t) => t.labels.replica as string)
      .sort()
  return { up: names(true), down: names(false) }
}

describe('monitoring on Kubernetes', () => {
  it('scrapes each pod of each set by its name, and every exporter, all up', async (t) => {
    // One list of targets per look, judged whole: the autoscaler may add a pod at any moment (the
    // suites before leave load behind), and a pod just found is a target not yet scraped.
    let last = ''
    let seen: ActiveTarget[] = []
    const seconds = await until(
      'every ready pod scraped and up',
      async () => {
        seen = await activeTargets()
        for (const set of ['app', 'py']) {
          const [ready, found] = [await pods(set), await scraped(set, seen)]
          last = `${set}: pods ${ready}, scraped up ${found.up}, down ${found.down}`
          if (found.down.length > 0 || found.up.join() !== ready.join()) return false
        }
        const notUp = seen.filter((target) => target.health !== 'up')
        last = `not up: ${notUp.map((target) => `${target.labels.job} ${target.labels.instance} (${target.health})`)}`
        return notUp.length === 0
      },
      60_000,
    ).catch(() => assert.fail(last))
    const targets = await assertEveryJobUp(seen)
    t.diagnostic(`${targets} targets up, every ready pod among them after ${seconds.toFixed(1)} s`)
  })

  it('follows the pods: a deleted pod leaves the targets, its replacement joins under its own name', async (t) => {
    // The set's size must be the ReplicaSet's doing alone while this waits for it.
    const rested = await autoscalerAtRest('py')
    const before = await pods('py')
    const victim = before[0] as string
    await kubectlOk(['delete', 'pod', victim, '--wait=false'])
    let last = ''
    const seconds = await until(
      `${victim} replaced, in the targets as in the set`,
      async () => {
        const [now, seen] = [await pods('py'), await scraped('py')]
        last = `pods ${now}, scraped up ${seen.up}, down ${seen.down}`
        return (
          now.length === before.length &&
          !now.includes(victim) &&
          seen.down.length === 0 &&
          seen.up.join() === now.join()
        )
      },
      90_000,
    ).catch(() => assert.fail(last))
    t.diagnostic(
      `${victim} deleted (the autoscaler at rest after ${rested.toFixed(1)} s); its replacement scraped and ${victim} gone ${seconds.toFixed(1)} s later`,
    )
  })

  it("evaluates the lab's rules, and every query of the dashboard has data, for each set", async (t) => {
    for (const { base } of TARGETS) await burst(`${base}/api/whoami`, 120, 4)
    // Rates need two scrapes (5 s apart) of each series: polled, not slept for.
    let empty: string[] = []
    const seconds = await until(
      'every panel query has data',
      async () => {
        empty = []
        for (const set of ['app', 'py']) {
          const queries = panelQueries(set, (await pods(set))[0] as string).filter(
            ({ expr }) => !expr.includes(ENGINE === 'nginx' ? 'haproxy_' : 'nginx_connections_'),
          )
          empty.push(...(await emptyPanels(queries)))
        }
        return empty.length === 0
      },
      60_000,
    ).catch(() => assert.fail(`panels with no data after 60 s:\n${empty.join('\n')}`))
    // The balancing in one number per pod: each set's shares add up to all of its requests.
    for (const set of ['app', 'py']) {
      const shares = await query(`replica:http_requests:share1m{job="${set}"}`)
      const total = shares.reduce((sum, s) => sum + s.value, 0)
      assert.ok(Math.abs(total - 1) < 0.01, `${set}: shares add up to ${total}`)
    }
    t.diagnostic(`every panel query (job app, job py) has data after ${seconds.toFixed(1)} s`)
  })

  // Grafana's image cannot be had on this machine, so `up` leaves it out here (it says so); on a
  // cluster that can pull it, `up` applies it with the rest. What the API server would say of it:
  it("the overlay with Grafana passes the API server's own checks (a server-side dry run)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-overlay-'))
    try {
      await writeOverlay(env, await askCluster(), true, await haveGatewayClass(env), dir)
      const said = await kubectlOk(['apply', '-k', dir, '--dry-run=server'])
      assert.match(said, /^deployment\.apps\/grafana (created|configured|unchanged) \(server dry run\)$/m)
      assert.match(
        said,
        /^configmap\/grafana-dashboards-\w+ (created|configured|unchanged) \(server dry run\)$/m,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
