// Media as the console shows it: whether the object store answers, and how much of /media/
// nginx serves from its cache (from its access log: each line carries $upstream_cache_status).
import type { Entry } from './access-log.ts'
import type { LabState } from './lab-state.ts'
import type { MediaView } from './view.ts'

/** The hit ratio is over this much of the most recent access log. */
const WINDOW_MS = 60_000
/** Served without asking the store: a fresh entry, or a stale one while the store is away. */
const FROM_CACHE = new Set(['HIT', 'STALE', 'UPDATING', 'REVALIDATED'])

export class Media {
  private recent: Array<{ at: number; cache: string }> = []
  /** Every /media/ response since the console started, by cache status (its /metrics). */
  readonly totals = new Map<string, number>()
  private store: MediaView['store'] = 'unknown'
  private timer: NodeJS.Timeout | undefined

  add(entry: Entry): void {
    const cache = entry.cache || 'NONE'
    this.recent.push({ at: entry.at, cache })
    this.totals.set(cache, (this.totals.get(cache) ?? 0) + 1)
    if ((this.recent[0]?.at ?? entry.at) < entry.at - 2 * WINDOW_MS) this.prune(entry.at)
  }

  private prune(now: number): void {
    const from = this.recent.findIndex((r) => r.at >= now - WINDOW_MS)
    this.recent = from < 0 ? [] : this.recent.slice(from)
  }

  summary(now = Date.now()): MediaView {
    this.prune(now)
    const cached = this.recent.filter((r) => FROM_CACHE.has(r.cache)).length
    return {
      store: this.store,
      requests: this.recent.length,
      hitRatio: this.recent.length === 0 ? null : cached / this.recent.length,
    }
  }

  /** Asks the store's health endpoint every `everyMs`; calls `changed` when its answer changes. */
  start(state: () => LabState | undefined, everyMs: number, changed: () => void): void {
    const round = async () => {
      const address = state()?.objectStore
      if (address) {
        const next = await fetch(`http://${address}/healthz`, { signal: AbortSignal.timeout(400) })
          .then((r) => (r.ok ? 'up' : 'down'))
          .catch(() => 'down' as const)
        if (next !== this.store) {
          this.store = next
          changed()
        }
      }
      this.timer = setTimeout(round, everyMs)
    }
    void round()
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  /** Prometheus's text format: the cache's answers by status (the dashboard's hit ratio). */
  exposition(): string {
    const lines = [
      '# HELP nginx_media_cache_responses_total Responses to /media/ by nginx cache status, from its access log.',
      '# TYPE nginx_media_cache_responses_total counter',
    ]
    for (const status of ['HIT', 'MISS', 'STALE', 'UPDATING', 'REVALIDATED', 'EXPIRED', 'BYPASS', 'NONE']) {
      lines.push(`nginx_media_cache_responses_total{cache="${status}"} ${this.totals.get(status) ?? 0}`)
    }
    return `${lines.join('\n')}\n`
  }
}
