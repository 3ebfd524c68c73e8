import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { DependencyUnavailable, Overloaded } from '../errors.ts'

/**
 * One error shape for every failure: `{ error, message }`. Client errors say what was wrong;
 * server errors say nothing about internals (the log has the details, keyed by request id).
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (err: FastifyError, request, reply) => {
      if (err instanceof Overloaded) {
        reply.header('retry-after', String(err.retryAfterSeconds))
        return reply.code(503).send({ error: 'Service Unavailable', message: err.message })
      }
      if (err instanceof DependencyUnavailable) {
        request.log.warn({ err: err.cause, dependency: err.dependency }, err.message)
        return reply.code(503).send({ error: 'Service Unavailable', message: err.message })
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
      if (status >= 500) {
        request.log.error({ err }, 'request failed')
        return reply.code(status).send({
          error: STATUS_CODES[status] ?? 'Error',
          message: `internal error; request id ${request.id}`,
        })
      }
      return reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message: err.message })
    })

    app.setNotFoundHandler(async (request, reply) =>
      reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url}` }),
    )
  },
  { name: 'errors' },
)
