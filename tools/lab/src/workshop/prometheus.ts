// What the lab's Prometheus saw, for the checkpoints that need more than the student's traffic.
import type { LabEnv } from '../env.ts'

/**
 * The distinct start times of each replica of `set` since `since` (ms): process_start_time_seconds
 * is the start itself, so a restart shows as a new value once scraped, at the time it happened.
 */
export async function replicaStarts(env: LabEnv, set: string, since: number): Promise<Map<string, number[]>> {
  const url = new URL(`http://127.0.0.1:${env.port('PROMETHEUS_PORT')}/api/v1/query_range`)
  url.searchParams.set('query', `process_start_time_seconds{job="${set}"}`)
  url.searchParams.set('start', String(Math.floor(since / 1000)))
  url.searchParams.set('end', String(Math.ceil(Date.now() / 1000)))
  url.searchParams.set('step', '2')
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
  const body = (await response.json()) as {
    status: string
    error?: string
    data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
  }
  if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`)
  const starts = new Map<string, number[]>()
  for (const { metric, values } of body.data.result) {
    const replica = metric.replica ?? metric.instance ?? '?'
    const times = new Set([...(starts.get(replica) ?? []), ...values.map(([, v]) => Number(v) * 1000)])
    starts.set(
      replica,
      [...times].filter((t) => t >= since).sort((a, b) => a - b),
    )
  }
  return starts
}
