// What the lab's Prometheus saw, for the checkpoints that need more than the student's traffic.
import type { LabEnv } from '../env.ts'

export interface Series {
  metric: Record<string, string>
  /** [seconds, value] pairs. */
  values: Array<[number, number]>
}

export interface PrometheusQueries {
  /** A range query from `from` (ms) to now, at 2 s steps. */
  range(expr: string, from: number): Promise<Series[]>
  /** An instant query: each series' labels and value now. */
  instant(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>
}

export function prometheusQueries(env: LabEnv): PrometheusQueries {
  const ask = async (path: string, params: Record<string, string>) => {
    const url = new URL(`http://127.0.0.1:${env.port('PROMETHEUS_PORT')}/api/v1/${path}`)
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
    const body = (await response.json()) as { status: string; error?: string; data: { result: unknown[] } }
    if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`)
    return body.data.result
  }
  return {
    async range(expr, from) {
      const result = (await ask('query_range', {
        query: expr,
        start: String(Math.floor(from / 1000)),
        end: String(Math.ceil(Date.now() / 1000)),
        step: '2',
      })) as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>
      return result.map(({ metric, values }) => ({ metric, values: values.map(([t, v]) => [t, Number(v)]) }))
    },
    async instant(expr) {
      const result = (await ask('query', { query: expr })) as Array<{
        metric: Record<string, string>
        value: [number, string]
      }>
      return result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }))
    },
  }
}

/**
 * The distinct start times of each replica of `set` since `since` (ms): process_start_time_seconds
 * is the start itself, so a restart shows as a new value once scraped, at the time it happened.
 */
export async function replicaStarts(
  queries: PrometheusQueries,
  set: string,
  since: number,
): Promise<Map<string, number[]>> {
  const starts = new Map<string, number[]>()
  for (const { metric, values } of await queries.range(`process_start_time_seconds{job="${set}"}`, since)) {
    const replica = metric.replica ?? metric.instance ?? '?'
    const times = new Set([...(starts.get(replica) ?? []), ...values.map(([, v]) => v * 1000)])
    starts.set(
      replica,
      [...times].filter((t) => t >= since).sort((a, b) => a - b),
    )
  }
  return starts
}
