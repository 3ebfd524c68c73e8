import type pg from 'pg'
import { type Deadline, DeadlinePassed } from './deadline.ts'
import { DependencyUnavailable, isConnectionError, OutcomeUnknown } from './errors.ts'

export type ServedBy = 'replica' | 'primary'
/** Why a read went where it went; a metric label, so a user can see the fallbacks happen. */
export type ReadReason = 'replica' | 'replica-behind' | 'replica-down'
/** A session's last-write position while that write's outcome or position is not known yet. */
export const WRITE_PENDING = 'pending'

/** Runs one statement of a write's transaction; returns its rows. */
export type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>

export interface Db {
  /**
   * Runs `work` in one transaction on the primary and commits it. Rejects with
   * DependencyUnavailable (a 503) only when nothing was committed, and with OutcomeUnknown (a
   * 504) when the COMMIT was sent and its answer never came. `lsn` is the primary's WAL
   * position after the commit (undefined if that could not be read).
   */
  write<T>(
    deadline: Deadline,
    work: (query: Query) => Promise<T>,
  ): Promise<{ result: T; lsn: string | undefined }>
  /**
   * Runs a read on the replica when it has replayed at least `minLsn` (the session's last write)
   * and answers; otherwise on the primary (always, while the last write is WRITE_PENDING).
   * Says which served it.
   */
  read<R extends pg.QueryResultRow>(
    deadline: Deadline,
    text: string,
    values: unknown[],
    minLsn?: string,
  ): Promise<{ rows: R[]; servedBy: ServedBy }>
}

export interface DbOptions {
  primary: pg.Pool
  replica: pg.Pool
  /** The most any one query may take (also within the request's deadline). */
  queryTimeoutMs: number
  /** After a replica connection failure, reads skip it this long instead of each paying its timeout. */
  replicaRetryMs: number
  onRead: (servedBy: ServedBy, reason: ReadReason) => void
}

/** A pooled connection within the deadline (the pool's own connect timeout bounds it too). */
async function connectWithin(pool: pg.Pool, deadline: Deadline): Promise<pg.PoolClient> {
  const ms = deadline.clamp(Number.MAX_SAFE_INTEGER)
  const pending = pool.connect()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: no connection within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([pending, late])
  } catch (err) {
    // A connection that arrives after we gave up goes back to the pool.
    pending.then(
      (client) => client.release(),
      () => {},
    )
    throw err
  } finally {
    clearTimeout(timer)
  }
}

export function createDb({ primary, replica, queryTimeoutMs, replicaRetryMs, onRead }: DbOptions): Db {
  let skipReplicaUntil = 0

  /** Runs `use` on a connection of `pool`; a connection whose query failed is destroyed, not reused. */
  async function withClient<T>(pool: pg.Pool, deadline: Deadline, use: (query: Query) => Promise<T>) {
    const client = await connectWithin(pool, deadline)
    let failure: Error | undefined
    const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      try {
        // pg honours a per-query query_timeout; its types only know the pool-wide one.
        const config = { text, values, query_timeout: deadline.clamp(queryTimeoutMs) } as pg.QueryConfig
        return (await client.query<R>(config)).rows
      } catch (err) {
        failure = err as Error
        throw err
      }
    }
    try {
      return await use(query)
    } catch (err) {
      // Any failure, a query's or the caller's own (a 422 inside a write's transaction), leaves
      // the connection unfit to reuse: it may sit in an open transaction holding locks.
      failure ??= err as Error
      throw err
    } finally {
      // Releasing with the error destroys the connection: one whose query timed out may still be
      // waiting on a frozen server, and a transaction left open on it is rolled back by the server.
      client.release(failure)
    }
  }

  async function onReplica<R extends pg.QueryResultRow>(
    deadline: Deadline,
    text: string,
    values: unknown[],
    minLsn?: string,
  ) {
    return withClient(replica, deadline, async (query) => {
      if (minLsn) {
        const rows = await query<{ caught_up: boolean | null }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up',
          [minLsn],
        )
        if (rows[0]?.caught_up !== true) return undefined
      }
      return query<R>(text, values)
    })
  }

  return {
    async write<T>(deadline: Deadline, work: (query: Query) => Promise<T>) {
      const state: { phase: 'open' | 'committing' | 'committed' } = { phase: 'open' }
      try {
        return await withClient(primary, deadline, async (query) => {
          await query('BEGIN')
          const result = await work(query)
          // Nothing is committed before COMMIT: a failure up to here, including the deadline
          // passing (clamp throws), means "not written", and the connection is destroyed.
          state.phase = 'committing'
          await query('COMMIT')
          state.phase = 'committed'
          // The flush position is at or past the commit, and is what the walsender can ship at
          // once; once the replica has replayed this far, it sees the write. Not knowing it
          // does not undo the write: the caller keeps reads on the primary instead.
          const lsn = await query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn').then(
            (rows) => rows[0]?.lsn,
            () => undefined,
          )
          return { result, lsn }
        })
      } catch (err) {
        if (!isConnectionError(err)) throw err
        // A COMMIT that was never sent (no time left for it) committed nothing.
        if (state.phase === 'committing' && !(err instanceof DeadlinePassed))
          throw new OutcomeUnknown('postgres primary', err)
        throw new DependencyUnavailable('postgres primary', err)
      }
    },

    async read<R extends pg.QueryResultRow>(
      deadline: Deadline,
      text: string,
      values: unknown[],
      minLsn?: string,
    ) {
      /** The replica's rows, 'behind' (not replayed minLsn yet) or 'down'. */
      const tryReplica = async (): Promise<R[] | 'behind' | 'down'> => {
        if (minLsn === WRITE_PENDING) return 'behind'
        try {
          return (await onReplica<R>(deadline, text, values, minLsn)) ?? 'behind'
        } catch (err) {
          if (!isConnectionError(err)) throw err
          skipReplicaUntil = Date.now() + replicaRetryMs
          return 'down'
        }
      }
      const skipping = Date.now() < skipReplicaUntil
      const first = skipping ? 'down' : await tryReplica()
      if (Array.isArray(first)) {
        onRead('replica', 'replica')
        return { rows: first, servedBy: 'replica' as const }
      }
      try {
        const rows = await withClient(primary, deadline, (query) => query<R>(text, values))
        onRead('primary', first === 'behind' ? 'replica-behind' : 'replica-down')
        return { rows, servedBy: 'primary' as const }
      } catch (err) {
        if (!isConnectionError(err)) throw err
        // The primary is down too: a replica we were skipping may be back, so ask it once more
        // rather than fail a read it could answer (if the deadline leaves time for it).
        const last = skipping && deadline.left() > 0 ? await tryReplica() : first
        if (Array.isArray(last)) {
          onRead('replica', 'replica')
          return { rows: last, servedBy: 'replica' as const }
        }
        throw new DependencyUnavailable('postgres primary', err)
      }
    },
  }
}
