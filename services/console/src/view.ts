// What the console pushes to its page: types only, with no import, so the page (a browser
// module, services/console/page/app.ts) and the service share them.

/** A setting the running stack was given beyond .env.example (tools/lab/src/switches.ts renders them). */
export interface ChangedSetting {
  name: string
  value: string
  example: string
  /** Set when the value turns on an anti-pattern switch: what the mistake is. */
  mistake?: string
}

export interface ReplicaTraffic {
  /** Requests it answered (its attempt was the last), per second. */
  rps: number
  /** Its part of its set's answered requests, 0 to 1. */
  share: number
  p50Ms: number | null
  p95Ms: number | null
  /** Attempts at it that failed (5xx, or no answer: refused, timed out). */
  errors: number
  /** Requests nginx tried on it first and then sent to another replica. */
  retried: number
}

export interface LoadSettings {
  rps: number
  mix: Partial<Record<'whoami' | 'work' | 'py-whoami' | 'py-work', number>>
}

export interface LoadStatus {
  running: boolean
  settings: LoadSettings | null
  sent: number
  /** Answers by status class (2xx, 4xx, 5xx), and `failed` for no answer at all. */
  answers: Record<string, number>
  /** Requests not sent because too many were already waiting. */
  skipped: number
}

/** A replica as the page shows it: the console's own look at it combined with nginx's traffic. */
export interface ReplicaView {
  name: string
  address: string
  /** serving, out of rotation, draining, not ready, paused or down (snapshot.ts: stateOf). */
  state: string
  detail: string
  faults: Record<string, unknown>
  traffic: ReplicaTraffic
}

/** Media: the object store's state, and the share of /media/ nginx served from its cache. */
export interface MediaView {
  store: 'up' | 'down' | 'unknown'
  /** /media/ responses in the last minute. */
  requests: number
  /** Of those, served from nginx's cache (HIT, or STALE with the store away), 0 to 1; null with none. */
  hitRatio: number | null
}

/** One moment of every replica, for the page's charts (history.ts). */
export interface HistorySample {
  at: number
  replicas: Record<
    string,
    { set: string; share: number; p95Ms: number | null; errors: number; state: string }
  >
}

/** The workshop's lesson in progress, as the lab's CLI told the console (`make lesson`, `make check`). */
export interface LessonView {
  n: number
  title: string
  startedAt: number
  check: { passed: boolean; said: string; at: number } | null
}

export interface Snapshot {
  at: number
  lesson: LessonView | null
  strategy: string | null
  version: string | null
  /** The settings changed from .env.example, anti-pattern switches among them. */
  changed: ChangedSetting[]
  sets: Array<{ name: string; label: string; base: string; replicas: ReplicaView[] }>
  load: LoadStatus
  media: MediaView
}
