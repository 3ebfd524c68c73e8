import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pg from 'pg'
import { createDb, type ReadReason, type ServedBy } from '../src/db.ts'
import { DependencyUnavailable } from '../src/errors.ts'
import { closedPort, testConfig } from './helpers.ts'

function pool(t: { after: (fn: () => Promise<unknown>) => void }, port: number) {
  const c = testConfig()
  const created = new pg.Pool({
    host: '127.0.0.1',
    port,
    database: c.PG_DATABASE,
    user: c.PG_USER,
    password: c.PG_PASSWORD,
    connectionTimeoutMillis: 500,
  })
  t.after(() => created.end())
  return created
}

/** A Db on the lab's real servers (or a closed port), recording where each read went and why. */
function dbFor(
  t: { after: (fn: () => Promise<unknown>) => void },
  ports: { primary?: number; replica?: number } = {},
) {
  const c = testConfig()
  const primary = pool(t, ports.primary ?? c.PG_PRIMARY_PORT)
  const replica = pool(t, ports.replica ?? c.PG_REPLICA_PORT)
  const reads: Array<[ServedBy, ReadReason]> = []
  const db = createDb({ primary, replica, replicaRetryMs: 60_000, onRead: (s, r) => reads.push([s, r]) })
  return { db, replica, reads }
}

describe('read routing', () => {
  it("reads from the replica once it has replayed the session's last write", async (t) => {
    const { db, reads } = dbFor(t)
    const { lsn } = await db.write('SELECT 1', [])
    let servedBy: ServedBy = 'primary'
    // Replay takes milliseconds; the primary answers until then.
    for (let i = 0; i < 50 && servedBy !== 'replica'; i++) ({ servedBy } = await db.read('SELECT 1', [], lsn))
    assert.equal(servedBy, 'replica')
    assert.deepEqual(reads.at(-1), ['replica', 'replica'])
  })

  it('reads from the primary while the replica has not replayed the last write', async (t) => {
    const { db, reads } = dbFor(t)
    // A position no replica has reached.
    const { servedBy } = await db.read('SELECT 1', [], 'FFFFFFFF/FFFFFFFF')
    assert.equal(servedBy, 'primary')
    assert.deepEqual(reads, [['primary', 'replica-behind']])
  })

  it('skips an unreachable replica for a while instead of paying its timeout on every read', async (t) => {
    const { db, replica, reads } = dbFor(t, { replica: await closedPort() })
    let attempts = 0
    const connect = replica.connect.bind(replica)
    replica.connect = (() => {
      attempts++
      return connect()
    }) as typeof replica.connect

    for (let i = 0; i < 3; i++) assert.equal((await db.read('SELECT 1', [])).servedBy, 'primary')
    assert.equal(attempts, 1)
    assert.deepEqual(reads, Array(3).fill(['primary', 'replica-down']))
  })

  it('turns an unreachable primary into DependencyUnavailable, not a raw driver error', async (t) => {
    const { db } = dbFor(t, { primary: await closedPort(), replica: await closedPort() })
    await assert.rejects(
      db.write('SELECT 1', []),
      (err) => err instanceof DependencyUnavailable && err.statusCode === 503,
    )
  })
})
