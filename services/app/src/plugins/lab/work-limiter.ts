import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { Overloaded } from '../../errors.ts'
import { QueueFull, Semaphore } from '../../lab/semaphore.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs simulated work within the replica's capacity (/api/work), or sheds it (Overloaded). */
    withWorkSlot<T>(task: () => Promise<T>): Promise<T>
  }
}

export default fp(
  async (app) => {
    const { WORK_CONCURRENCY, WORK_QUEUE_TIMEOUT_MS, LOAD_SHEDDING } = app.config
    // A queue as long as the slots, and a bounded wait: a request that would wait longer is
    // turned away at once (503, Retry-After) while the balancer's read timeout is still far off,
    // instead of queueing until nginx gives up and counts the replica as failed. The anti-pattern
    // switch LOAD_SHEDDING=off (contract/README.md) queues without end instead: every request
    // waits, the balancer times them out and retries them on the others, whose queues grow too.
    const limiter = new Semaphore(
      WORK_CONCURRENCY,
      LOAD_SHEDDING === 'off' ? {} : { maxQueue: WORK_CONCURRENCY, maxWaitMs: WORK_QUEUE_TIMEOUT_MS },
    )
    new Gauge({
      name: 'work_in_flight',
      help: 'Simulated work running now (at most WORK_CONCURRENCY).',
      registers: [app.metricsRegistry],
      collect() {
        this.set(limiter.active)
      },
    })
    new Gauge({
      name: 'work_queued',
      help: 'Requests waiting for a work slot (at most WORK_CONCURRENCY, unless LOAD_SHEDDING=off).',
      registers: [app.metricsRegistry],
      collect() {
        this.set(limiter.queued)
      },
    })
    const shed = new Counter({
      name: 'work_shed_total',
      help: 'Requests for work turned away with a 503: queue full, or no slot within WORK_QUEUE_TIMEOUT_MS.',
      registers: [app.metricsRegistry],
    })
    app.decorate('withWorkSlot', <T>(task: () => Promise<T>) =>
      limiter.run(task).catch((err: unknown) => {
        if (!(err instanceof QueueFull)) throw err
        shed.inc()
        throw new Overloaded(`overloaded: ${err.message}; retry later`)
      }),
    )
  },
  { name: 'work-limiter', dependencies: ['config', 'metrics'] },
)
