import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment shutdown starts: /ready answers 503 so balancers stop sending work. */
    draining: boolean
    /** The SIGTERM path: report not-ready, keep serving for SHUTDOWN_DELAY_MS, then close. */
    drainAndClose(): Promise<void>
  }
}

export default fp(
  async (app) => {
    app.decorate('draining', false)
    const startDrain = () => {
      if (app.draining) return
      app.draining = true
      app.log.info('draining: readiness now 503, finishing in-flight requests')
    }
    app.decorate('drainAndClose', async () => {
      startDrain()
      // Balancers with active readiness checks (Compose, Kubernetes) need a probe interval to
      // notice; nginx's passive checks do not, so the default delay is 0.
      await sleep(app.config.SHUTDOWN_DELAY_MS)
      await app.close()
    })
    // close() called directly (tests, errors) drains too. preClose runs before the listener
    // closes, so in-flight requests still finish.
    app.addHook('preClose', async () => startDrain())
    // A keep-alive connection busy when the drain began would otherwise stay open after its
    // response until its keep-alive timeout, holding the shutdown; this tells the client (nginx)
    // to stop reusing it, and Node closes it once the response is sent.
    app.addHook('onSend', async (_request, reply) => {
      if (app.draining) reply.header('connection', 'close')
    })
  },
  { name: 'draining', dependencies: ['config'] },
)
