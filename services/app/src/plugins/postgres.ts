import fp from 'fastify-plugin'
import pg from 'pg'

declare module 'fastify' {
  interface FastifyInstance {
    pg: { primary: pg.Pool }
  }
}

/** Connection pools. Every wait is bounded so a dead or frozen database cannot hang a request. */
export default fp(
  async (app) => {
    const c = app.config
    const primary = new pg.Pool({
      host: c.PG_PRIMARY_HOST,
      port: c.PG_PRIMARY_PORT,
      database: c.PG_DATABASE,
      user: c.PG_USER,
      password: c.PG_PASSWORD,
      max: c.PG_POOL_MAX,
      application_name: `lb-lab ${c.REPLICA_ID}`,
      // A frozen server completes the TCP handshake (the kernel does it) but never answers the
      // startup packet; without this timeout pool.connect() would wait for ever.
      connectionTimeoutMillis: c.DEPENDENCY_TIMEOUT_MS,
      // Client side: a query on a connection to a frozen server rejects instead of waiting, and
      // pool.query() then discards that connection. Server side: the same bound on the work.
      query_timeout: c.PG_QUERY_TIMEOUT_MS,
      statement_timeout: c.PG_QUERY_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    })
    // An idle client whose server went away emits 'error' on the pool; unhandled, it kills the process.
    primary.on('error', (err) => app.log.warn({ err }, 'postgres primary: idle client error'))

    app.decorate('pg', { primary })
    app.addHook('onClose', async () => {
      await primary.end()
    })
  },
  { name: 'postgres', dependencies: ['config'] },
)
