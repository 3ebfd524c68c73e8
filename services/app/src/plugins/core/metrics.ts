import fp from 'fastify-plugin'
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    /** Where every plugin registers its metrics; all of them carry a `replica` label. */
    metricsRegistry: Registry
  }
}

/**
 * Prometheus metrics on GET /metrics (the replica's own port; nginx never exposes it): process
 * metrics, and a request duration histogram whose _count gives the request rate per replica.
 */
export default fp(
  async (app) => {
    const registry = new Registry()
    registry.setDefaultLabels({ replica: app.config.REPLICA_ID })
    collectDefaultMetrics({ register: registry })

    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer a request, by route template, method and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    })
    app.addHook('onResponse', async (request, reply) => {
      duration.observe(
        {
          method: request.method,
          // The template (/api/notes/:id), never the raw URL: one series per route, not per id.
          route: request.routeOptions.url ?? 'unmatched',
          status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      )
    })

    app.decorate('metricsRegistry', registry)
    app.get('/metrics', async (_request, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    })
  },
  { name: 'metrics', dependencies: ['config'] },
)
