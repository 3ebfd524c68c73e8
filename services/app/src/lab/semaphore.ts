/** The slot was not had: the queue was full, or the wait ran out. */
export class QueueFull extends Error {}

/**
 * At most `limit` tasks at once; the next ones wait in arrival order, but at most `maxQueue` of
 * them and for at most `maxWaitMs` each: past either bound the task is refused (QueueFull), so
 * waiting is bounded in length and in time.
 */
export class Semaphore {
  readonly limit: number
  readonly maxQueue: number
  readonly maxWaitMs: number
  active = 0
  private readonly waiting: Array<() => void> = []

  constructor(limit: number, bounds: { maxQueue?: number; maxWaitMs?: number } = {}) {
    this.limit = limit
    this.maxQueue = bounds.maxQueue ?? Number.POSITIVE_INFINITY
    this.maxWaitMs = bounds.maxWaitMs ?? Number.POSITIVE_INFINITY
  }

  get queued(): number {
    return this.waiting.length
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++
    else await this.wait()
    try {
      return await task()
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }

  private wait(): Promise<void> {
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(new QueueFull(`${this.waiting.length} already waiting`))
    }
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer =
        this.maxWaitMs === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(() => {
              this.waiting.splice(this.waiting.indexOf(granted), 1)
              reject(new QueueFull(`no slot within ${this.maxWaitMs} ms`))
            }, this.maxWaitMs)
      this.waiting.push(granted)
    })
  }
}
