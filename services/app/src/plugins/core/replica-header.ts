import fp from 'fastify-plugin'

/**
 * Stamps X-Replica on every response, errors and 404s included: it is how a lab user (and every
 * test and k6 script) sees which replica nginx chose.
 */
export default fp(
  async (app) => {
    const replica = app.config.REPLICA_ID
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-replica', replica)
    })
  },
  { name: 'replica-header', dependencies: ['config'] },
)
