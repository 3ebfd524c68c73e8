// The Postgres primary and its streaming standby: initdb or pg_basebackup through the shared
// scripts in services/postgres/, the bootstrap on every up, and the schema migrations.
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { repoRoot, serviceDir } from '../../../paths.ts'
import { run } from '../../../probes.ts'
import { postgresUser, scriptPath } from '../../../system.ts'
import { LOCALHOST } from '../../../topology.ts'
import { contractEnv } from './replicas.ts'
import { bin, ensureDir, runChecked, type Service } from './service.ts'

export function postgres(env: LabEnv, role: 'primary' | 'replica'): Service {
  const name = `pg-${role}`
  const port = env.port(role === 'primary' ? 'PG_PRIMARY_PORT' : 'PG_REPLICA_PORT')
  const primaryPort = env.port('PG_PRIMARY_PORT')
  const dir = serviceDir(name)
  const data = join(dir, 'data')
  const socketDir = join(dir, 'run')
  const owner = postgresUser()
  const asOwner = owner ?? {}
  // The variables the shared bootstrap scripts in services/postgres/ read.
  const scriptEnv = {
    PATH: scriptPath(),
    PGDATA: data,
    PG_DATABASE: env.get('PG_DATABASE'),
    PG_USER: env.get('PG_USER'),
    PG_PASSWORD: env.get('PG_PASSWORD'),
    PG_PRIMARY_HOST: LOCALHOST,
    PG_PRIMARY_PORT: String(primaryPort),
    PG_REPLICATION_USER: env.get('PG_REPLICATION_USER'),
    PG_REPLICATION_PASSWORD: env.get('PG_REPLICATION_PASSWORD'),
    PG_REPLICATION_SLOT: env.get('PG_REPLICATION_SLOT'),
    PG_MONITOR_USER: env.get('PG_MONITOR_USER'),
    PG_MONITOR_PASSWORD: env.get('PG_MONITOR_PASSWORD'),
    POSTGRES_PASSWORD: env.get('POSTGRES_PASSWORD'),
  }

  /** pg_basebackup -R wrote `password=''...''` into primary_conninfo (quoted twice: conninfo, then the file). */
  function keepReplicationPassword(): void {
    const file = join(data, 'postgresql.auto.conf')
    const password = env.get('PG_REPLICATION_PASSWORD')
    if (/['\\\s]/.test(password)) return // would need escaping twice over; left as it is
    const conf = readFileSync(file, 'utf8')
    const next = conf.replace(/^(primary_conninfo = '.*?\bpassword=)(''[^']*''|[^ ']*)/m, `$1''${password}''`)
    // In place, so the file keeps its owner (the postgres user when the lab runs as root).
    if (next !== conf) writeFileSync(file, next)
  }

  async function initPrimary() {
    const pwfile = join(dir, 'pwfile')
    writeFileSync(pwfile, `${env.get('POSTGRES_PASSWORD')}\n`, { mode: 0o600 })
    if (owner) chownSync(pwfile, owner.uid, owner.gid)
    try {
      await runChecked(
        name,
        'initdb',
        bin('initdb'),
        [
          '-D',
          data,
          '-U',
          'postgres',
          `--pwfile=${pwfile}`,
          '--auth-local=peer',
          '--auth-host=scram-sha-256',
        ],
        { ...asOwner, cwd: dir, env: { PATH: scriptPath(), LANG: 'C.UTF-8' } },
      )
    } finally {
      rmSync(pwfile, { force: true })
    }
  }

  return {
    name,
    // The primary's converge runs the migration, which creates the media bucket too.
    dependsOn: role === 'primary' ? ['objectstore'] : ['pg-primary'],
    port,
    binaries: ['postgres', 'initdb', 'pg_basebackup', 'pg_isready', 'psql'],
    dataDir: data,
    // Postgres's "fast" shutdown, as the official image's STOPSIGNAL: SIGTERM would wait for
    // every client (the replicas' pools) to disconnect first.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 20_000,
    startTimeoutMs: 60_000,
    async prepare() {
      ensureDir(dir)
      ensureDir(socketDir, owner)
      if (existsSync(join(data, 'PG_VERSION'))) {
        // The standby logs in to the primary with the password pg_basebackup wrote down: keep it
        // the one .env holds now (init-primary.sh re-applies it on the primary at every up).
        if (role === 'replica') keepReplicationPassword()
        return false
      }
      ensureDir(data, owner, 0o700)
      if (role === 'primary') await initPrimary()
      else {
        const script = join(repoRoot, 'services/postgres/init-replica.sh')
        await runChecked(name, 'init-replica.sh (pg_basebackup)', 'sh', [script], {
          ...asOwner,
          cwd: dir,
          env: scriptEnv,
        })
      }
      return true
    },
    command: () => ({
      command: bin('postgres'),
      args: [
        '-D',
        data,
        '-c',
        `port=${port}`,
        '-c',
        `listen_addresses=${LOCALHOST}`,
        '-c',
        `unix_socket_directories=${socketDir}`,
        // A standby retries a lost primary every 5 s by default; 1 s resumes streaming (and
        // replica reads) soon after the primary is back.
        ...(role === 'replica' ? ['-c', 'wal_retrieve_retry_interval=1s'] : []),
        // The slot's WAL is capped (.env.example says what passing the cap costs the standby).
        ...(role === 'primary'
          ? ['-c', `max_slot_wal_keep_size=${env.get('PG_MAX_SLOT_WAL_KEEP_SIZE')}`]
          : []),
      ],
      env: { LANG: 'C.UTF-8' },
      cwd: dir,
      ...asOwner,
    }),
    healthy: async () =>
      (
        await run(bin('pg_isready'), ['-q', '-h', LOCALHOST, '-p', String(port), '-t', '1'], {
          timeoutMs: 3000,
        })
      ).code === 0,
    converge:
      role === 'primary'
        ? async () => {
            const script = join(repoRoot, 'services/postgres/init-primary.sh')
            // As root, Postgres runs as the `postgres` user and the script connects as it over the
            // private socket (peer): no password needed, so it can re-apply every password of .env,
            // the superuser's included (Docker mode's `make up` writes a .env with fresh ones).
            const connect = owner
              ? { PGHOST: socketDir }
              : { PGHOST: LOCALHOST, PGPASSWORD: env.get('POSTGRES_PASSWORD') }
            await runChecked(name, 'init-primary.sh', 'sh', [script], {
              ...asOwner,
              cwd: dir,
              env: { ...scriptEnv, ...connect, PGPORT: String(port), PGUSER: 'postgres' },
            })
            // Once, here, as the app's role; never by each replica at start-up.
            await runChecked(
              name,
              'schema migrations',
              process.execPath,
              [join(repoRoot, 'services/app/src/migrate.ts')],
              {
                env: contractEnv(env, 'migrate', 0),
              },
            )
          }
        : undefined,
  }
}
