import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { DependencyUnavailable, OutcomeUnknown, Overloaded } from '../../errors.ts'

/** A client error's message, worded as the contract words it (contract/README.md). */
function clientMessage(err: FastifyError, request: FastifyRequest): string {
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return `Unsupported Media Type: ${request.headers['content-type'] ?? ''}`
  }
  // Ajv says that there is an unknown field; the contract also says which (the first).
  const extra = err.validation?.find((v) => v.keyword === 'additionalProperties')
  if (extra && err.validation?.length === 1) {
    return `${err.message} (${(extra.params as { additionalProperty: string }).additionalProperty})`
  }
  return err.message
}

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
      if (err instanceof OutcomeUnknown) {
        request.log.warn({ err: err.cause }, err.message)
        return reply.code(504).send({ error: 'Gateway Timeout', code: err.code, message: err.message })
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
      if (status >= 500) {
        request.log.error({ err }, 'request failed')
        return reply.code(status).send({
          error: STATUS_CODES[status] ?? 'Error',
          message: `internal error; request id ${request.id}`,
        })
      }
      return reply
        .code(status)
        .send({ error: STATUS_CODES[status] ?? 'Error', message: clientMessage(err, request) })
    })

    app.setNotFoundHandler(async (request, reply) =>
      reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url}` }),
    )
  },
  { name: 'errors' },
)
