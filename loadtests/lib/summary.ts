/// <reference types="k6" />
// A compact table on stdout and the whole summary as JSON under loadtests/results/.

type Metric = { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }
type Summary = { metrics: Record<string, Metric>; state: { testRunDurationMs: number } }

const fixed = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits)

/** Per-replica counts and shares from a Counter tagged with `replica` (thresholds expose them). */
export function replicaShares(data: Summary, counter: string): Array<[string, number, number]> {
  const counts = Object.entries(data.metrics)
    .filter(([name]) => name.startsWith(`${counter}{replica:`))
    .map(
      ([name, metric]) => [name.slice(counter.length + 9, -1), metric.values.count ?? 0] as [string, number],
    )
  const total = counts.reduce((sum, [, count]) => sum + count, 0)
  return counts.map(([replica, count]) => [replica, count, total ? count / total : 0])
}

export function report(name: string, extra: string[] = []) {
  return (data: Summary) => {
    const duration = data.metrics.http_req_duration?.values ?? {}
    const failed = data.metrics.http_req_failed?.values.rate ?? 0
    const lines = [
      `${name}: ${data.metrics.http_reqs?.values.count ?? 0} requests in ${fixed(data.state.testRunDurationMs / 1000)} s, ` +
        `${fixed(failed * 100, 2)}% failed, p50 ${fixed(duration.med)} ms, p95 ${fixed(duration['p(95)'])} ms, ` +
        `p99 ${fixed(duration['p(99)'])} ms`,
      ...extra.flatMap((line) => (line ? [line] : [])),
    ]
    for (const [metric, values] of Object.entries(data.metrics)) {
      for (const [threshold, result] of Object.entries(values.thresholds ?? {})) {
        if (!result.ok) lines.push(`  FAILED threshold ${metric}: ${threshold}`)
      }
    }
    return {
      stdout: `${lines.join('\n')}\n`,
      [`loadtests/results/${name}.json`]: JSON.stringify(data, null, 2),
    }
  }
}

export function sharesTable(data: Summary, counter: string): string[] {
  return replicaShares(data, counter)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([replica, count, share]) =>
        `  ${replica.padEnd(6)} ${String(count).padStart(6)}  ${fixed(share * 100)}%`,
    )
}
