import { once } from 'node:events'
import { Server } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment shutdown starts: /ready answers 503 so balancers stop sending work. */
    draining: boolean
    /** The SIGTERM path (below): not ready, then no new connections, then closed once the last one ends. */
    drainAndClose(): Promise<void>
    /**
     * Whatever else may hold readiness, each saying why when it does: /ready asks them all
     * (routes/health.ts). The lab's faults add one (plugins/lab/faults.ts: `make fault ready=no`).
     */
    readinessHolds: Array<() => string | undefined>
  }
}

/**
 * Leaving a balancer's rotation without losing a request of any method, in three steps:
 *
 * 1. Draining: /ready answers 503 and everything else is served as before, for
 *    SHUTDOWN_DELAY_MS. Balancers that probe readiness (Compose, Kubernetes, HAProxy) need a
 *    probe interval to notice; nginx does not probe, so the default is 0.
 * 2. Closing: the listener closes. A new connection from the balancer is refused, which nginx
 *    retries on another replica whatever the method (nothing was sent) and counts against this
 *    one, so it stops choosing it. A request on a connection already open is served and answered
 *    with `Connection: close`. An idle connection is not closed at once: the balancer may be
 *    sending a request on it at that very instant, and a POST lost that way cannot be retried.
 *    The balancer closes its idle connections itself (nginx after UPSTREAM_KEEPALIVE_TIMEOUT,
 *    which the lab keeps under IDLE_LINGER_MS); the ones still idle after that belong to other
 *    clients (Prometheus, the console), which retry a GET on a closed connection, and are closed.
 * 3. Closed: once the last connection has ended (at most SHUTDOWN_TIMEOUT_MS), the pools and
 *    clients close.
 *
 * No reload of the balancer is needed to take a replica out: that is what `make rollout` relies
 * on (a reload makes nginx's old workers close their idle client connections, which races with
 * a client sending on one).
 */
/**
 * How long a stopping replica leaves its idle connections to their clients, as a stopping
 * Gunicorn worker does (its STOP_KEEPALIVE_LINGER): the lab keeps nginx's idle timeout under it.
 */
export const IDLE_LINGER_MS = 2000

export default fp(
  async (app) => {
    app.decorate('draining', false)
    app.decorate('readinessHolds', [])
    let closing = false
    const startDrain = () => {
      if (app.draining) return
      app.draining = true
      app.log.info('draining: readiness now 503, finishing in-flight requests')
    }
    app.decorate('drainAndClose', async () => {
      startDrain()
      await sleep(app.config.SHUTDOWN_DELAY_MS)
      closing = true
      const lastConnectionGone = once(app.server, 'close')
      // net.Server's close, not http.Server's: that one also closes idle connections at once.
      Server.prototype.close.call(app.server)
      app.log.info('closing: no new connections; waiting for the open ones to end')
      const linger = Math.min(IDLE_LINGER_MS, app.config.SHUTDOWN_TIMEOUT_MS)
      await Promise.race([lastConnectionGone, sleep(linger)])
      app.server.closeIdleConnections()
      await Promise.race([lastConnectionGone, sleep(app.config.SHUTDOWN_TIMEOUT_MS - linger)])
      await app.close()
    })
    // close() called directly (tests, errors) drains too. preClose runs before the listener
    // closes, so in-flight requests still finish.
    app.addHook('preClose', async () => {
      startDrain()
      closing = true
    })
    // Not while draining with the listener open (step 1): new connections would then be opened
    // for every request, each a request the listener's closing could cut off in its queue.
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close')
    })
  },
  { name: 'draining', dependencies: ['config'] },
)
