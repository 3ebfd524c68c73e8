import type pg from 'pg'
import { DependencyUnavailable, isConnectionError } from './errors.ts'

export type ServedBy = 'replica' | 'primary'
/** Why a read went where it went; a metric label, so a user can see the fallbacks happen. */
export type ReadReason = 'replica' | 'replica-behind' | 'replica-down'

export interface Db {
  /** Runs a write on the primary; returns its rows and the primary's WAL position after commit. */
  write<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<{ rows: R[]; lsn: string }>
  /**
   * Runs a read on the replica when it has replayed at least `minLsn` (the session's last write)
   * and answers; otherwise on the primary. Says which served it.
   */
  read<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    minLsn?: string,
  ): Promise<{ rows: R[]; servedBy: ServedBy }>
}

export interface DbOptions {
  primary: pg.Pool
  replica: pg.Pool
  /** After a replica connection failure, reads skip it this long instead of each paying its timeout. */
  replicaRetryMs: number
  onRead: (servedBy: ServedBy, reason: ReadReason) => void
}

const unavailable = (server: string) => (err: unknown) => {
  throw isConnectionError(err) ? new DependencyUnavailable(server, err) : err
}

export function createDb({ primary, replica, replicaRetryMs, onRead }: DbOptions): Db {
  let skipReplicaUntil = 0

  async function onReplica<R extends pg.QueryResultRow>(text: string, values: unknown[], minLsn?: string) {
    const client = await replica.connect()
    let failure: Error | undefined
    try {
      if (minLsn) {
        const { rows } = await client.query<{ caught_up: boolean | null }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up',
          [minLsn],
        )
        if (rows[0]?.caught_up !== true) return undefined
      }
      return (await client.query<R>(text, values)).rows
    } catch (err) {
      failure = err as Error
      throw err
    } finally {
      // Releasing with the error destroys the connection: one whose query timed out may still
      // be waiting on a frozen server and must not go back to the pool.
      client.release(failure)
    }
  }

  return {
    async write<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
      const result = await primary.query<R>(text, values).catch(unavailable('postgres primary'))
      // The commit is flushed when query() returns, so the flush position is at or past it, and
      // is what the walsender can ship at once (the write position may run ahead of it until the
      // next WAL flush). Once the replica has replayed this far, it can see the write.
      const { rows } = await primary
        .query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn')
        .catch(unavailable('postgres primary'))
      return { rows: result.rows, lsn: rows[0]?.lsn ?? '0/0' }
    },

    async read<R extends pg.QueryResultRow>(text: string, values: unknown[], minLsn?: string) {
      /** The replica's rows, 'behind' (not replayed minLsn yet) or 'down'. */
      const tryReplica = async (): Promise<R[] | 'behind' | 'down'> => {
        try {
          return (await onReplica<R>(text, values, minLsn)) ?? 'behind'
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
        const { rows } = await primary.query<R>(text, values)
        onRead('primary', first === 'behind' ? 'replica-behind' : 'replica-down')
        return { rows, servedBy: 'primary' as const }
      } catch (err) {
        if (!isConnectionError(err)) throw err
        // The primary is down too: a replica we were skipping may be back, so ask it once more
        // rather than fail a read it could answer.
        const last = skipping ? await tryReplica() : first
        if (Array.isArray(last)) {
          onRead('replica', 'replica')
          return { rows: last, servedBy: 'replica' as const }
        }
        throw new DependencyUnavailable('postgres primary', err)
      }
    },
  }
}
