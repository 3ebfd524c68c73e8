/** At most `limit` tasks at once; the rest wait in arrival order. Nothing is ever rejected. */
export class Semaphore {
  readonly limit: number
  active = 0
  private readonly waiting: Array<() => void> = []

  constructor(limit: number) {
    this.limit = limit
  }

  get queued(): number {
    return this.waiting.length
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    try {
      return await task()
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
