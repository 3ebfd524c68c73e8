// The lab's Prometheus as the suites ask it: its HTTP API, and the dashboard's queries.

import assert from 'node:assert/strict'
import { loadBalancingDashboard } from '../../grafana/src/load-balancing.ts'
import { ENGINE, env } from './stack.ts'

export const PROMETHEUS = `http://127.0.0.1:${env.port('PROMETHEUS_PORT')}`

/** One call to Prometheus's API; its data, or an error with Prometheus's own message. */
// biome-ignore lint/suspicious/noExplicitAny: Prometheus API JSON
export async function prometheus(path: string): Promise<any> {
  const response = await fetch(`${PROMETHEUS}${path}`)
  // biome-ignore lint/suspicious/noExplicitAny: Prometheus API JSON
  const body = (await response.json()) as { status: string; error?: string; data: any }
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`)
  return body.data
}

/** An instant query's result: each series' labels and value. */
export async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const { result } = await prometheus(`/api/v1/query?query=${encodeURIComponent(expr)}`)
  return (result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
    metric: r.metric,
    value: Number(r.value[1]),
  }))
}

export interface ActiveTarget {
  labels: Record<string, string>
  health: string
  lastError: string
}

export const activeTargets = async (): Promise<ActiveTarget[]> =>
  (await prometheus('/api/v1/targets?state=active')).activeTargets

/** Every expr in the dashboard, with its variables filled as a user would pick them. */
export function panelQueries(job: string, replica: string): Array<{ panel: string; expr: string }> {
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

/** The queries that return no series yet, each named by its panel. */
export async function emptyPanels(queries: Array<{ panel: string; expr: string }>): Promise<string[]> {
  const empty: string[] = []
  for (const { panel, expr } of queries)
    if ((await query(expr)).length === 0) empty.push(`panel "${panel}": ${expr}`)
  return empty
}

/** Every target Prometheus scrapes (or those of `seen`, one look) is up, and its jobs are the lab's, no more, no fewer. Returns how many. */
export async function assertEveryJobUp(seen?: ActiveTarget[]): Promise<number> {
  const targets = seen ?? (await activeTargets())
  assert.deepEqual(
    targets.filter((target) => target.health !== 'up').map((t) => `${t.labels.job}: ${t.lastError}`),
    [],
  )
  assert.deepEqual(
    [...new Set(targets.map((target) => target.labels.job))].sort(),
    ['app', 'console', ENGINE, 'objectstore', 'postgres', 'prometheus', 'py', 'redis'].sort(),
  )
  return targets.length
}
