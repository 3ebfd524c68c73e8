import fp from 'fastify-plugin'
import pg from 'pg'
import { Counter, Gauge } from 'prom-client'
import { createDb, type Db } from '../../db.ts'
import { warmPool } from '../../pool-warmup.ts'

declare module 'fastify' {
  interface FastifyInstance {
    pg: { primary: pg.Pool; replica: pg.Pool }
    db: Db
  }
}

/** The lag query every Postgres monitoring guide uses: 0 when the replica has replayed all it received. */
const LAG_SQL = `SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS seconds`

/** Pools for the primary (writes) and the replica (reads). Every wait is bounded. */
export default fp(
  async (app) => {
    const c = app.config
    const pool = (role: 'primary' | 'replica', host: string, port: number) => {
      const created = new pg.Pool({
        host,
        port,
        database: c.PG_DATABASE,
        user: c.PG_USER,
        password: c.PG_PASSWORD,
        max: c.PG_POOL_MAX,
        application_name: `lb-lab ${c.REPLICA_ID} ${role}`,
        // A frozen server completes the TCP handshake (the kernel does it) but never answers the
        // startup packet; without this timeout pool.connect() would wait for ever.
        connectionTimeoutMillis: c.DEPENDENCY_TIMEOUT_MS,
        // Client side: a query on a connection to a frozen server rejects instead of waiting, and
        // pool.query() then discards that connection. Server side: the same bound on the work.
        query_timeout: c.PG_QUERY_TIMEOUT_MS,
        statement_timeout: c.PG_QUERY_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        // Half the warmed pool stays open however quiet it gets: a rollout's surge otherwise
        // finds the pool shrunk by idleTimeoutMillis, and the connects it then needs, on two
        // busy cores, outlast DEPENDENCY_TIMEOUT_MS (a 503 "postgres primary unavailable" in
        // Docker mode's k6 rollout). Half, not all: at rest each server holds replicas x this of
        // its 100 connections, and `make scale n=9` (45) beside py's three (30) still fits.
        min: Math.ceil(c.PG_POOL_MAX / 2),
      })
      // An idle client whose server went away emits 'error' on the pool; unhandled, it kills the process.
      created.on('error', (err) => app.log.warn({ err }, `postgres ${role}: idle client error`))
      return created
    }
    const pools = {
      primary: pool('primary', c.PG_PRIMARY_HOST, c.PG_PRIMARY_PORT),
      replica: pool('replica', c.PG_REPLICA_HOST, c.PG_REPLICA_PORT),
    }

    const reads = new Counter({
      name: 'db_reads_total',
      help: 'Reads by the server that answered (served_by) and why (reason).',
      labelNames: ['served_by', 'reason'] as const,
      registers: [app.metricsRegistry],
    })
    const routes = [
      ['replica', 'replica'],
      ['primary', 'replica-behind'],
      ['primary', 'replica-down'],
    ] as const
    for (const [served_by, reason] of routes) reads.inc({ served_by, reason }, 0)
    new Gauge({
      name: 'pg_pool_connections',
      help: 'Connections of each pool by state: total, idle, waiting (requests queued for one).',
      labelNames: ['pool', 'state'] as const,
      registers: [app.metricsRegistry],
      collect() {
        for (const [name, p] of Object.entries(pools)) {
          this.set({ pool: name, state: 'total' }, p.totalCount)
          this.set({ pool: name, state: 'idle' }, p.idleCount)
          this.set({ pool: name, state: 'waiting' }, p.waitingCount)
        }
      },
    })
    new Gauge({
      name: 'pg_replica_lag_seconds',
      help: 'Replication lag as the replica sees it (absent while the replica does not answer).',
      registers: [app.metricsRegistry],
      async collect() {
        this.reset()
        try {
          const { rows } = await pools.replica.query<{ seconds: string | null }>(LAG_SQL)
          if (rows[0]?.seconds != null) this.set(Number(rows[0].seconds))
        } catch {}
      },
    })

    app.addHook('onClose', async () => {
      await Promise.all([pools.primary.end(), pools.replica.end()])
    })
    // nginx sends a replica requests the moment it listens, and least_conn sends a new one more
    // than its share (it has none in flight). Were each to wait for a connection of its own, a
    // busy host (a rollout on two cores) makes those connects outlast DEPENDENCY_TIMEOUT_MS and
    // the replica's first answers 503s. So the pools are filled before server.ts listens.
    const [primary, replica] = await Promise.all([
      warmPool(pools.primary, c.PG_POOL_MAX),
      warmPool(pools.replica, c.PG_POOL_MAX),
    ])
    app.log.info({ opened: { primary, standby: replica } }, 'postgres: pools filled')

    app.decorate('pg', pools)
    app.decorate(
      'db',
      createDb({
        ...pools,
        queryTimeoutMs: c.PG_QUERY_TIMEOUT_MS,
        replicaRetryMs: 2000,
        onRead: (servedBy, reason) => reads.inc({ served_by: servedBy, reason }),
      }),
    )
  },
  { name: 'postgres', dependencies: ['config', 'metrics'] },
)
