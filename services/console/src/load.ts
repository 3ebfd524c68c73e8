// The console's built-in load generator: an open loop at a chosen rate over a route mix, sent
// to nginx as any client's would be, so nobody needs a second terminal with a curl loop.

import type { LoadSettings, LoadStatus } from './view.ts'

/** The routes a mix may name, and what each sends. */
export const ROUTES = {
  whoami: '/api/whoami',
  work: '/api/work?ms=20',
  'py-whoami': '/py/api/whoami',
  'py-work': '/py/api/work?ms=20',
} as const
export type Route = keyof typeof ROUTES
export const MAX_RPS = 500
/** Requests in flight at most: a stalled stack must not pile up sockets here. */
const MAX_IN_FLIGHT = 200

/** A settings object from a request body; a message for a 400 when it is not one. */
export function parseLoad(body: unknown): LoadSettings | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be object'
  const { rps, mix, ...rest } = body as Record<string, unknown>
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) return `body must NOT have additional properties (${extra})`
  if (!Number.isInteger(rps) || (rps as number) < 1 || (rps as number) > MAX_RPS)
    return `body/rps must be a whole number from 1 to ${MAX_RPS}`
  const weights = (mix ?? { whoami: 1 }) as Record<string, unknown>
  if (typeof weights !== 'object' || Array.isArray(weights)) return 'body/mix must be object'
  for (const [route, weight] of Object.entries(weights)) {
    if (!(route in ROUTES)) return `body/mix: ${route} is not one of ${Object.keys(ROUTES).join(', ')}`
    if (typeof weight !== 'number' || weight < 0 || weight > 100) return `body/mix/${route} must be 0 to 100`
  }
  if (!Object.values(weights).some((w) => (w as number) > 0))
    return 'body/mix needs a route with weight above 0'
  return { rps: rps as number, mix: weights as LoadSettings['mix'] }
}

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined
  private status: LoadStatus = { running: false, settings: null, sent: 0, answers: {}, skipped: 0 }
  private inFlight = 0
  private readonly target: string

  constructor(target: string) {
    this.target = target
  }

  current(): LoadStatus {
    return structuredClone(this.status)
  }

  start(settings: LoadSettings): void {
    this.stop()
    this.status = { running: true, settings, sent: 0, answers: {}, skipped: 0 }
    const routes = Object.entries(settings.mix).filter(([, w]) => (w ?? 0) > 0) as Array<[Route, number]>
    const total = routes.reduce((sum, [, w]) => sum + w, 0)
    const pick = () => {
      let r = Math.random() * total
      for (const [route, weight] of routes) {
        r -= weight
        if (r < 0) return route
      }
      return routes[0]?.[0] ?? 'whoami'
    }
    // Ticks of 20 ms; the owed fraction carries over, so any rate comes out right on average.
    let owed = 0
    let last = performance.now()
    this.timer = setInterval(() => {
      const now = performance.now()
      owed += ((now - last) / 1000) * settings.rps
      last = now
      for (; owed >= 1; owed--) this.send(ROUTES[pick()])
    }, 20)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.status.running = false
  }

  private send(path: string): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.status.skipped++
      return
    }
    this.inFlight++
    this.status.sent++
    const count = (key: string) => {
      this.status.answers[key] = (this.status.answers[key] ?? 0) + 1
    }
    fetch(`${this.target}${path}`, { signal: AbortSignal.timeout(5000) })
      .then(async (response) => {
        await response.arrayBuffer()
        count(`${Math.floor(response.status / 100)}xx`)
      })
      .catch(() => count('failed'))
      .finally(() => {
        this.inFlight--
      })
  }
}
