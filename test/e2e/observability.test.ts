import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadBalancingDashboard } from '../../grafana/src/load-balancing.ts'
import { burst, env, lab, SessionClient, TARGETS } from '../lib/stack.ts'

const PROMETHEUS = `http://127.0.0.1:${env.port('PROMETHEUS_PORT')}`

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
    // Two scrape and evaluation rounds (5 s each) so rates and recording rules have data.
    await sleep(12_000)

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
      ['app', 'nginx', 'postgres', 'prometheus', 'py', 'redis'],
    )

    // The same dashboard for either set of replicas: the job variable picks one.
    const queries = [...panelQueries('app', 'app1'), ...panelQueries('py', 'py1')]
    for (const { panel, expr } of queries) {
      const { result } = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)
      assert.ok(result.length > 0, `panel "${panel}" has no data for: ${expr}`)
    }
    t.diagnostic(`${queries.length} panel queries (job app, job py), all with data`)
  })

  it('fires ReplicaDown for a killed replica within its for window', async (t) => {
    await lab(['kill', 'app2'])
    try {
      const started = performance.now()
      let state = ''
      while (performance.now() - started < 30_000 && !['pending', 'firing'].includes(state)) {
        await sleep(500)
        const { alerts } = await api('/api/v1/alerts')
        state =
          alerts.find(
            (a: { labels: { alertname: string; replica: string } }) =>
              a.labels.alertname === 'ReplicaDown' && a.labels.replica === 'app2',
          )?.state ?? ''
      }
      assert.ok(['pending', 'firing'].includes(state), 'ReplicaDown for app2 never appeared')
      t.diagnostic(
        `ReplicaDown ${state} ${((performance.now() - started) / 1000).toFixed(1)} s after the kill`,
      )
    } finally {
      await lab(['start', 'app2'])
    }
  })
})
