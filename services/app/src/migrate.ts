// Applies migrations/NNN_name.sql to the primary in order, each once, recorded in
// schema_migrations, and creates the media bucket in the object store if it is not there. The
// lab runs it after the primary starts (Docker mode: a one-shot service before the replicas), so
// replicas never race each other to change the schema at start-up; the advisory lock makes even
// concurrent runs safe.
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { Type } from 'typebox'
import { ConfigError, ConfigSchema, parseEnvWith } from './config.ts'
import { createS3, ensureBucket } from './media/store.ts'

const MIGRATIONS = new URL('../migrations/', import.meta.url)
// Any constant works; all runs must agree on it.
const LOCK_KEY = 4_242_001

export async function migrate(client: pg.Client): Promise<string[]> {
  const files = readdirSync(MIGRATIONS)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await client.query<{ version: string }>('SELECT version FROM schema_migrations')
    const done = new Set(rows.map((r) => r.version))
    const applied: string[] = []
    for (const file of files) {
      const version = file.replace(/\.sql$/, '')
      if (done.has(version)) continue
      // One transaction per migration: a failing one leaves no trace and stops the run.
      await client.query('BEGIN')
      try {
        await client.query(readFileSync(new URL(file, MIGRATIONS), 'utf8'))
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw new Error(`migration ${file} failed: ${(err as Error).message}`)
      }
      applied.push(version)
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY])
  }
}

if (import.meta.main) {
  const PgEnv = Type.Pick(ConfigSchema, [
    'PG_PRIMARY_HOST',
    'PG_PRIMARY_PORT',
    'PG_DATABASE',
    'PG_USER',
    'PG_PASSWORD',
    'S3_ENDPOINT',
    'S3_BUCKET',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
  ])
  try {
    const env = parseEnvWith(PgEnv, process.env)
    const client = new pg.Client({
      host: env.PG_PRIMARY_HOST,
      port: env.PG_PRIMARY_PORT,
      database: env.PG_DATABASE,
      user: env.PG_USER,
      password: env.PG_PASSWORD,
      connectionTimeoutMillis: 10_000,
    })
    await client.connect()
    try {
      const applied = await migrate(client)
      console.log(applied.length ? `migrations: applied ${applied.join(', ')}` : 'migrations: up to date')
    } finally {
      await client.end()
    }
    // A bound of its own: the store is up (both modes start it first), but may still be settling.
    const s3 = createS3({ ...env, DEPENDENCY_TIMEOUT_MS: 10_000 })
    try {
      console.log(`media bucket ${env.S3_BUCKET}: ${await ensureBucket(s3, env.S3_BUCKET)}`)
    } finally {
      s3.destroy()
    }
  } catch (err) {
    console.error(`migrate: ${err instanceof ConfigError ? err.message : (err as Error).message}`)
    process.exitCode = 1
  }
}
