import type { Context } from './context.ts'
import type { ReplicaTraffic, Snapshot } from './view.ts'

const NO_TRAFFIC: ReplicaTraffic = { rps: 0, share: 0, p50Ms: null, p95Ms: null, errors: 0, retried: 0 }

/**
 * One word per replica. Its own answers first (down, paused, draining, not ready); then nginx's
 * view: drained by the lab (LB_DRAINED), or failing enough recent attempts (max_fails) that
 * nginx's passive check holds it out while it sends it nothing.
 */
function stateOf(
  answer: string | undefined,
  drained: boolean,
  traffic: ReplicaTraffic,
  maxFails: number,
): string {
  if (answer === 'down' || answer === 'paused') return answer
  if (drained || answer === 'draining') return 'draining'
  if (answer === 'not ready') return 'not ready'
  if (traffic.errors >= maxFails && traffic.share === 0) return 'out of rotation'
  return answer === undefined ? 'unknown' : 'serving'
}

export function snapshot(ctx: Context): Snapshot {
  const state = ctx.state()
  const traffic = state ? ctx.traffic.summary(state) : {}
  return {
    at: Date.now(),
    lesson: ctx.lesson.current,
    strategy: state?.strategy ?? null,
    version: state?.version ?? null,
    changed: state?.changed ?? [],
    sets: Object.entries(state?.sets ?? {}).map(([name, set]) => ({
      name,
      label: set.label,
      base: set.base,
      replicas: set.replicas.map(({ name: replica, address }) => {
        const probe = ctx.probes.latest.get(replica)
        const seen = traffic[replica] ?? NO_TRAFFIC
        return {
          name: replica,
          address,
          state: stateOf(
            probe?.answer,
            state?.drained.includes(replica) ?? false,
            seen,
            state?.maxFails ?? 1,
          ),
          detail: probe?.detail ?? '',
          faults: probe?.faults ?? {},
          traffic: seen,
        }
      }),
    })),
    load: ctx.load.current(),
    media: ctx.media.summary(),
  }
}
