import type { Entry } from './access-log.ts'
import type { LabState } from './lab-state.ts'
import type { ReplicaTraffic } from './view.ts'

/** Traffic figures are over this much of the most recent access log: short enough to follow a kill. */
export const WINDOW_MS = 2000

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null
}

/** The access log of the last WINDOW_MS, kept as it arrives. */
export class Traffic {
  private entries: Entry[] = []

  add(entry: Entry): void {
    this.entries.push(entry)
    // Bounded with no page open too: under heavy load the window is all that is kept.
    if ((this.entries[0]?.at ?? entry.at) < entry.at - 2 * WINDOW_MS) this.prune(entry.at)
  }

  private prune(now: number): void {
    const from = this.entries.findIndex((e) => e.at >= now - WINDOW_MS)
    this.entries = from < 0 ? [] : this.entries.slice(from)
  }

  /** Per replica name, from the addresses the lab state gives them; failed attempts by address. */
  summary(state: LabState, now = Date.now()): Record<string, ReplicaTraffic> {
    this.prune(now)
    const nameOf = new Map<string, string>()
    const setOf = new Map<string, string>()
    for (const [set, { replicas }] of Object.entries(state.sets)) {
      for (const { name, address } of replicas) {
        nameOf.set(address, name)
        setOf.set(name, set)
      }
    }
    const answered = new Map<string, number>()
    const latencies = new Map<string, number[]>()
    const errors = new Map<string, number>()
    const retried = new Map<string, number>()
    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
    for (const { attempts } of this.entries) {
      attempts.forEach((attempt, i) => {
        const name = nameOf.get(attempt.address)
        if (!name) return
        if (attempt.status === null || attempt.status >= 500) bump(errors, name)
        if (i < attempts.length - 1) {
          if (i === 0) bump(retried, name)
          return
        }
        bump(answered, name)
        if (attempt.ms === null) return
        const list = latencies.get(name)
        if (list) list.push(attempt.ms)
        else latencies.set(name, [attempt.ms])
      })
    }
    const setTotals = new Map<string, number>()
    for (const [name, count] of answered) {
      const set = setOf.get(name) ?? ''
      setTotals.set(set, (setTotals.get(set) ?? 0) + count)
    }
    const out: Record<string, ReplicaTraffic> = {}
    for (const [name, set] of setOf) {
      const count = answered.get(name) ?? 0
      const sorted = (latencies.get(name) ?? []).sort((a, b) => a - b)
      out[name] = {
        rps: count / (WINDOW_MS / 1000),
        share: count === 0 ? 0 : count / (setTotals.get(set) ?? count),
        p50Ms: percentile(sorted, 0.5),
        p95Ms: percentile(sorted, 0.95),
        errors: errors.get(name) ?? 0,
        retried: retried.get(name) ?? 0,
      }
    }
    return out
  }
}
