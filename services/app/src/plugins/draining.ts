import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment shutdown starts: /ready answers 503 so balancers stop sending work. */
    draining: boolean
  }
}

export default fp(
  async (app) => {
    app.decorate('draining', false)
    // preClose runs before the server stops accepting connections, so in-flight and
    // already-queued requests still finish while readiness already reports the drain.
    app.addHook('preClose', async () => {
      app.draining = true
      app.log.info('draining: readiness now 503, finishing in-flight requests')
    })
  },
  { name: 'draining' },
)
