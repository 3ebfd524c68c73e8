import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pg from 'pg'
import { createDb, type ReadReason, type ServedBy } from '../src/db.ts'
import { Deadline } from '../src/deadline.ts'
import { DependencyUnavailable, OutcomeUnknown } from '../src/errors.ts'
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

/** A request's budget, as the replica's default gives it. */
const soon = () => new Deadline(1000)

/** A Db on the lab's real servers (or a closed port), recording where each read went and why. */
function dbFor(
  t: { after: (fn: () => Promise<unknown>) => void },
  ports: { primary?: number; replica?: number } = {},
) {
  const c = testConfig()
  const primary = pool(t, ports.primary ?? c.PG_PRIMARY_PORT)
  const replica = pool(t, ports.replica ?? c.PG_REPLICA_PORT)
  const reads: Array<[ServedBy, ReadReason]> = []
  const db = createDb({
    primary,
    replica,
    queryTimeoutMs: 1000,
    replicaRetryMs: 60_000,
    onRead: (s, r) => reads.push([s, r]),
  })
  return { db, primary, replica, reads }
}

describe('read routing', () => {
  it("reads from the replica once it has replayed the session's last write", async (t) => {
    const { db, reads } = dbFor(t)
    const { lsn } = await db.write(soon(), (query) => query('SELECT 1'))
    let servedBy: ServedBy = 'primary'
    // Replay takes milliseconds; the primary answers until then.
    for (let i = 0; i < 50 && servedBy !== 'replica'; i++)
      ({ servedBy } = await db.read(soon(), 'SELECT 1', [], lsn))
    assert.equal(servedBy, 'replica')
    assert.deepEqual(reads.at(-1), ['replica', 'replica'])
  })

  it('reads from the primary while the replica has not replayed the last write', async (t) => {
    const { db, reads } = dbFor(t)
    // A position no replica has reached.
    const { servedBy } = await db.read(soon(), 'SELECT 1', [], 'FFFFFFFF/FFFFFFFF')
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

    for (let i = 0; i < 3; i++) assert.equal((await db.read(soon(), 'SELECT 1', [])).servedBy, 'primary')
    assert.equal(attempts, 1)
    assert.deepEqual(reads, Array(3).fill(['primary', 'replica-down']))
  })

  it('turns an unreachable primary into DependencyUnavailable, not a raw driver error', async (t) => {
    const { db } = dbFor(t, { primary: await closedPort(), replica: await closedPort() })
    await assert.rejects(
      db.write(soon(), (query) => query('SELECT 1')),
      (err) => err instanceof DependencyUnavailable && err.statusCode === 503,
    )
  })
})

describe('writes: a 503 means not written, and an unanswered COMMIT says so', () => {
  // A deferred constraint trigger runs at COMMIT: it makes the commit itself slow, as a primary
  // that froze after receiving it would be.
  const setup = [
    'CREATE TABLE IF NOT EXISTS test_commit_probe (id text PRIMARY KEY)',
    `CREATE OR REPLACE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$`,
    'DROP TRIGGER IF EXISTS slow_commit ON test_commit_probe',
    `CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON test_commit_probe
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()`,
  ]
  const probe = async (t: { after: (fn: () => Promise<unknown>) => void }) => {
    // Registered first, so it runs before the pools are ended.
    t.after(() =>
      primary.query('DROP TABLE IF EXISTS test_commit_probe; DROP FUNCTION IF EXISTS test_slow_commit()'),
    )
    const { db, primary } = dbFor(t)
    for (const sql of setup) await primary.query(sql)
    /** Whether the row is there once any commit in flight has ended. */
    const stored = async (id: string) => {
      await new Promise((resolve) => setTimeout(resolve, 900))
      return (await primary.query('SELECT 1 FROM test_commit_probe WHERE id = $1', [id])).rowCount === 1
    }
    /** Sessions whose last statement touched the probe and which sit in an open transaction. */
    const idleInTransaction = async () =>
      Number(
        (
          await primary.query(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE state LIKE 'idle in transaction%' AND query LIKE '%test_commit_probe%'`,
          )
        ).rows[0].n,
      )
    return { db, stored, idleInTransaction }
  }

  it('fails with DependencyUnavailable and writes nothing when the deadline passes before COMMIT', async (t) => {
    const { db, stored } = await probe(t)
    const id = `before-${Date.now()}`
    await assert.rejects(
      db.write(new Deadline(300), async (query) => {
        await query('INSERT INTO test_commit_probe (id) VALUES ($1)', [id])
        await query('SELECT pg_sleep(0.5)') // outlasts the deadline: COMMIT is never sent
      }),
      (err) => err instanceof DependencyUnavailable && err.statusCode === 503,
    )
    assert.equal(await stored(id), false)
  })

  it('leaves no transaction open when the work itself throws (a 4xx after an INSERT)', async (t) => {
    const { db, stored, idleInTransaction } = await probe(t)
    const id = `refused-${Date.now()}`
    const refused = Object.assign(new Error('refused'), { statusCode: 422 })
    await assert.rejects(
      db.write(soon(), async (query) => {
        await query('INSERT INTO test_commit_probe (id) VALUES ($1)', [id])
        throw refused
      }),
      (err) => err === refused,
    )
    // A connection returned to the pool inside its transaction would still hold the row's locks
    // and show as "idle in transaction"; destroyed, the server rolled it back.
    assert.equal(await stored(id), false)
    assert.equal(await idleInTransaction(), 0)
  })

  it('fails with OutcomeUnknown (504) when the COMMIT was sent and its answer came too late', async (t) => {
    const { db, stored } = await probe(t)
    const id = `during-${Date.now()}`
    await assert.rejects(
      db.write(new Deadline(300), (query) => query('INSERT INTO test_commit_probe (id) VALUES ($1)', [id])),
      (err) => err instanceof OutcomeUnknown && err.statusCode === 504 && err.code === 'outcome_unknown',
    )
    // As the error says: it may have been applied. Here it was, once the slow commit ended.
    assert.equal(await stored(id), true)
  })
})
