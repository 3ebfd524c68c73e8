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
      // The commit has been flushed when query() returns, so the current WAL position is at or
      // past it: once the replica has replayed this far, it can see the write.
      const { rows } = await primary
        .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
        .catch(unavailable('postgres primary'))
      return { rows: result.rows, lsn: rows[0]?.lsn ?? '0/0' }
    },

    async read<R extends pg.QueryResultRow>(text: string, values: unknown[], minLsn?: string) {
      let reason: ReadReason = 'replica-down'
      if (Date.now() >= skipReplicaUntil) {
        try {
          const rows = await onReplica<R>(text, values, minLsn)
          if (rows) {
            onRead('replica', 'replica')
            return { rows, servedBy: 'replica' as const }
          }
          reason = 'replica-behind'
        } catch (err) {
          if (!isConnectionError(err)) throw err
          skipReplicaUntil = Date.now() + replicaRetryMs
        }
      }
      const { rows } = await primary.query<R>(text, values).catch(unavailable('postgres primary'))
      onRead('primary', reason)
      return { rows, servedBy: 'primary' as const }
    },
  }
}
