// The last few minutes of each replica, sampled from the live snapshot: what a room needs to see
// after the moment (the kill, the fault, the rollout) has passed, drawn by the page as charts.
import type { HistorySample, Snapshot } from './view.ts'

/** A sample every SAMPLE_MS, kept for KEEP_MS: five minutes at two-second steps. */
export const SAMPLE_MS = 2000
const KEEP_MS = 5 * 60_000

export class History {
  private samples: HistorySample[] = []

  record(snapshot: Snapshot): void {
    const replicas: HistorySample['replicas'] = {}
    for (const set of snapshot.sets)
      for (const { name, state, traffic } of set.replicas)
        replicas[name] = {
          set: set.name,
          share: traffic.share,
          p95Ms: traffic.p95Ms,
          errors: traffic.errors,
          state,
        }
    this.samples.push({ at: snapshot.at, replicas })
    const from = snapshot.at - KEEP_MS
    while ((this.samples[0]?.at ?? from) < from) this.samples.shift()
  }

  all(): HistorySample[] {
    return this.samples
  }
}
