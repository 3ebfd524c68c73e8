import fp from 'fastify-plugin'
import { Deadline } from '../../deadline.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** What is left of REQUEST_DEADLINE_MS, counted from the request's arrival. */
    deadline: Deadline
  }
}

/** Starts each request's dependency budget as it arrives, before the session is read. */
export default fp(
  async (app) => {
    const budget = app.config.REQUEST_DEADLINE_MS
    app.decorateRequest('deadline', null as unknown as Deadline)
    app.addHook('onRequest', async (request) => {
      request.deadline = new Deadline(budget)
    })
  },
  { name: 'deadline', dependencies: ['config'] },
)
