import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { Semaphore } from '../semaphore.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Caps simulated work per replica: the capacity model behind /api/work. */
    workLimiter: Semaphore
  }
}

export default fp(
  async (app) => {
    const limiter = new Semaphore(app.config.WORK_CONCURRENCY)
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
      help: 'Requests waiting for a work slot.',
      registers: [app.metricsRegistry],
      collect() {
        this.set(limiter.queued)
      },
    })
    app.decorate('workLimiter', limiter)
  },
  { name: 'work-limiter', dependencies: ['config', 'metrics'] },
)
