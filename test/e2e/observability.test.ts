import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'yaml'
import { loadBalancingDashboard } from '../../grafana/src/load-balancing.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { burst, ENGINE, env, lab, SessionClient, TARGETS, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const PROMETHEUS = `http://127.0.0.1:${env.port('PROMETHEUS_PORT')}`

interface Alert {
  labels: Record<string, string>
  state: string
  activeAt: string
}

/** An alert rule's for: window, in milliseconds, as prometheus/rules/alerts.yml states it. */
function alertFor(name: string): number {
  const rules = parse(readFileSync(join(repoRoot, 'prometheus/rules/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert?: string; for?: string }> }>
  }
  const window = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name)?.for ?? ''
  const match = /^(\d+)(s|m)$/.exec(window)
  if (!match) throw new Error(`${name} has no for: window in seconds or minutes (${window})`)
  return Number(match[1]) * (match[2] === 'm' ? 60_000 : 1000)
}

// biome-ignore lint/suspicious/noExplicitAny: Prometheus API JSON
async function api(path: string): Promise<any> {
  const response = await fetch(`${PROMETHEUS}${path}`)
  // biome-ignore lint/suspicious/noExplicitAny: Prometheus API JSON
  const body = (await response.json()) as { status: string; error?: string; data: any }
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`)
  return body.data
}

/** Every expr in the dashboard, with its variables filled as a user would pick them. */
function panelQueries(job: string, replica: string): Array<{ panel: string; expr: string }> {
  const fill = (expr: string) =>
    expr.replaceAll('$job', job).replaceAll('$replica', replica).replaceAll('$__rate_interval', '1m')
  // biome-ignore lint/suspicious/noExplicitAny: dashboard JSON
  const panels = (loadBalancingDashboard().panels ?? []) as any[]
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target: { expr: string }) => ({
      panel: panel.title,
      expr: fill(target.expr),
    })),
  )
}

describe('observability against the live stack', () => {
  it('scrapes every target, and every query of every dashboard panel returns data', async (t) => {
    // Some of everything a panel shows: reads, writes, sessions.
    for (const { base } of TARGETS) {
      const client = new SessionClient()
      for (let i = 0; i < 20; i++) {
        const { body } = await client.post(`${base}/api/notes`, { text: `observed ${i}` })
        await client.send(`${base}/api/notes/${body.id}`)
        await client.post(`${base}/api/visits`)
      }
      await burst(`${base}/api/whoami`, 150, 3)
    }
    // Rates and recording rules need two scrape and evaluation rounds (5 s each) to have data:
    // polled until every panel has some, not slept for.
    // The balancer's panel holds both engines' series: the one not running has none, by design.
    const otherEngine = ENGINE === 'nginx' ? 'haproxy_' : 'nginx_connections_'
    const queries = [...panelQueries('app', 'app1'), ...panelQueries('py', 'py1')].filter(
      ({ expr }) => !expr.includes(otherEngine),
    )
    let empty: string[] = []
    const seconds = await until(
      'every panel query has data',
      async () => {
        empty = []
        for (const { panel, expr } of queries) {
          const { result } = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)
          if (result.length === 0) empty.push(`panel "${panel}": ${expr}`)
        }
        return empty.length === 0
      },
      60_000,
    ).catch(() => assert.fail(`panels with no data after 60 s:\n${empty.join('\n')}`))

    const targets = (await api('/api/v1/targets')).activeTargets
    const down = targets.filter((target: { health: string }) => target.health !== 'up')
    assert.deepEqual(
      down.map(
        (target: { labels: { job: string }; lastError: string }) =>
          `${target.labels.job}: ${target.lastError}`,
      ),
      [],
    )
    assert.deepEqual(
      [...new Set(targets.map((target: { labels: { job: string } }) => target.labels.job))].sort(),
      ['app', 'console', ENGINE, 'objectstore', 'postgres', 'prometheus', 'py', 'redis'].sort(),
    )

    // The same dashboard for either set of replicas: the job variable picks one.
    t.diagnostic(
      `${queries.length} panel queries (job app, job py), all with data after ${seconds.toFixed(0)} s`,
    )
  })

  it('fires ReplicaDown for a killed replica only once its for: window has passed, and resolves it when it is back', async (t) => {
    const forMs = alertFor('ReplicaDown')
    const replicaDown = async () =>
      ((await api('/api/v1/alerts')).alerts as Alert[]).find(
        (a) => a.labels.alertname === 'ReplicaDown' && a.labels.replica === 'app2',
      )
    assert.equal(await replicaDown(), undefined, 'ReplicaDown for app2 before the kill')
    await lab(['kill', 'app2'])
    let firing: { seenAt: number; activeAt: number } | undefined
    const states = new Set<string>()
    try {
      // Bounded: the for: window, plus scrapes and evaluations (5 s each) to see it, with room.
      const deadline = Date.now() + forMs + 45_000
      while (!firing && Date.now() < deadline) {
        const alert = await replicaDown()
        if (alert) states.add(alert.state)
        if (alert?.state === 'firing') firing = { seenAt: Date.now(), activeAt: Date.parse(alert.activeAt) }
        else await sleep(250)
      }
    } finally {
      await lab(['start', 'app2'])
    }
    assert.ok(firing, `ReplicaDown for app2 never fired (seen: ${[...states].join(', ') || 'nothing'})`)
    // Prometheus's own clock (activeAt: when the alert went pending) against this one's, on the
    // same machine: firing is never seen before the for: window has passed.
    assert.ok(
      firing.seenAt - firing.activeAt >= forMs,
      `fired ${firing.seenAt - firing.activeAt} ms after it went pending, before its for: (${forMs} ms)`,
    )
    const resolvedAfter = await until('ReplicaDown resolved', async () => !(await replicaDown()), 60_000)
    t.diagnostic(
      `ReplicaDown ${[...states].join(' then ')}, firing ${((firing.seenAt - firing.activeAt) / 1000).toFixed(1)} s after it went pending (for: ${forMs / 1000} s); resolved ${resolvedAfter.toFixed(1)} s after app2 started`,
    )
  })
})
