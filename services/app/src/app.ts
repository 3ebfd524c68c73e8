import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyHttpOptions, LogController } from 'fastify'
import type { Config } from './config.ts'
import { serveStaticFiles } from './lab/anti-patterns.ts' // lab-only
import labInstruments from './lab/index.ts' // lab-only
import configPlugin from './plugins/core/config.ts'
import deadlinePlugin from './plugins/core/deadline.ts'
import drainingPlugin from './plugins/core/draining.ts'
import errorsPlugin from './plugins/core/errors.ts'
import jsonBodyPlugin from './plugins/core/json-body.ts'
import metricsPlugin from './plugins/core/metrics.ts'
import objectstorePlugin from './plugins/core/objectstore.ts'
import postgresPlugin from './plugins/core/postgres.ts'
import readYourWritesPlugin from './plugins/core/read-your-writes.ts'
import redisPlugin from './plugins/core/redis.ts'
import replicaHeaderPlugin from './plugins/core/replica-header.ts'
import sessionPlugin from './plugins/core/session.ts'
import healthRoutes from './routes/health.ts'
import mediaRoutes from './routes/media.ts'
import notesRoutes from './routes/notes.ts'
import visitsRoutes from './routes/visits.ts'
import whoamiRoutes from './routes/whoami.ts'

const QUIET_PATHS = new Set(['/health', '/ready', '/metrics', '/faults'])

/**
 * Builds the replica without listening: server.ts listens, tests inject or listen on port 0.
 * `options` carries what belongs to the process (logger, timeouts).
 */
export async function buildApp(config: Config, options: FastifyHttpOptions<Server> = {}) {
  const app = Fastify({
    // nginx sets X-Request-ID; using it as Fastify's request id ties the access log line to
    // the replica's log lines for the same request.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes and scrapes arrive every few seconds; logging them would bury the traffic.
      disableRequestLogging: (request) => QUIET_PATHS.has(request.url),
    }),
    // Only the proxy may tell us the client's address (X-Forwarded-For).
    trustProxy: config.TRUST_PROXY.split(',').map((entry) => entry.trim()),
    ajv: {
      customOptions: {
        // {"text": 123} is a wrong type, not the string "123"; unknown fields are an error, not
        // silently dropped. Path and query values are strings, validated by pattern.
        coerceTypes: false,
        removeAdditional: false,
      },
    },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // A JSON API: a body of any other type is a 415, not text to be validated as if it were JSON.
  app.removeContentTypeParser('text/plain')

  // The pattern every service behind a balancer needs (plugins/core): config, JSON bodies and
  // errors, a deadline per request, X-Replica, draining on SIGTERM, metrics, its dependencies
  // (Redis, Postgres, the object store).
  await app.register(configPlugin, { config })
  await app.register(jsonBodyPlugin)
  await app.register(errorsPlugin)
  await app.register(deadlinePlugin)
  await app.register(replicaHeaderPlugin)
  await app.register(drainingPlugin)
  await app.register(metricsPlugin)
  await app.register(redisPlugin)
  await app.register(postgresPlugin)
  await app.register(objectstorePlugin)
  // The lab's instruments (lab/index.ts): a service copied from this one drops this line.
  await app.register(labInstruments) // lab-only

  await app.register(healthRoutes)
  await app.register(whoamiRoutes)
  // Sessions in a scope of their own: their hooks (and so Redis) run for these routes only,
  // never for /health, /ready or /metrics, nor for notes, which remember a client's last write
  // in a cookie of their own (read-your-writes.ts) and so need no session at all.
  await app.register(async (scope) => {
    await scope.register(sessionPlugin)
    await scope.register(visitsRoutes)
  })
  await app.register(async (scope) => {
    await scope.register(readYourWritesPlugin)
    await scope.register(notesRoutes)
  })
  await app.register(mediaRoutes)
  // STATIC_FILES=replicas, an anti-pattern switch of the lab's (lab/anti-patterns.ts).
  if (config.STATIC_FILES === 'replicas') serveStaticFiles(app) // lab-only
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
