import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from './env.ts'
import { parseSize } from './log-rotation.ts'
import { nativePlacement, renderNginx } from './nginx-config.ts'
import { displayPath, logFile, pyVenv, repoRoot, serviceDir, stateRoot } from './paths.ts'
import { httpOk, redisPing, run } from './probes.ts'
import { livePid, type SpawnSpec } from './procs.ts'
import { nativePrometheus, renderPrometheus } from './prometheus-config.ts'
import { postgresUser, scriptPath, which } from './system.ts'
import { APPS, LOCALHOST, PYS } from './topology.ts'

/** A failure that belongs to one service: the CLI prints it with that service's log. */
export class ServiceError extends Error {
  readonly service: string
  constructor(service: string, message: string) {
    super(message)
    this.service = service
  }
}

export interface Service {
  name: string
  dependsOn: string[]
  /** The port it is known by (shown by `ps`); none for the log-keeper. */
  port?: number
  /** Every port it listens on, checked to be free before it starts (default: `port`). */
  ports?: number[]
  /** Binaries it needs (see PACKAGES in system.ts). */
  binaries: string[]
  /** What `stop` sends; the official images' STOPSIGNAL where they set one. */
  stopSignal: NodeJS.Signals
  stopTimeoutMs: number
  startTimeoutMs: number
  /** Creates data directories, bootstraps, renders config; true when a rendered config changed. */
  prepare?(): Promise<boolean>
  command(): SpawnSpec
  healthy(): Promise<boolean>
  /**
   * Brings a healthy service's contents to what this checkout expects (the primary's roles, slot
   * and schema migrations); runs on every `up`, whether the service was just started or not.
   */
  converge?(): Promise<void>
  /** Where its data lives, for a service that has any worth naming (`reclone` deletes it). */
  dataDir?: string
  /** For a service already running: applies a changed config (re-rendered by prepare) in place. */
  reload?(pid: number): Promise<void>
  url?: string
}

function ensureDir(path: string, owner?: { uid: number; gid: number }, mode = 0o755): string {
  mkdirSync(path, { recursive: true, mode })
  if (owner) chownSync(path, owner.uid, owner.gid)
  chmodSync(path, mode)
  return path
}

/** Writes a file only when its content changes; true when it did. */
function writeIfChanged(path: string, content: string, mode = 0o644): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false
  writeFileSync(`${path}.new`, content, { mode })
  renameSync(`${path}.new`, path)
  return true
}

function bin(name: string): string {
  const path = which(name)
  if (!path) throw new Error(`${name} not found`)
  return path
}

async function runChecked(service: string, what: string, ...args: Parameters<typeof run>): Promise<string> {
  const { code, output } = await run(...args)
  if (code !== 0) throw new ServiceError(service, `${what} failed (exit ${code}):\n${output.trim()}`)
  return output
}

function redis(env: LabEnv): Service {
  const port = env.port('REDIS_PORT')
  const dir = serviceDir('redis')
  const conf = join(dir, 'redis.conf')
  return {
    name: 'redis',
    dependsOn: [],
    port,
    binaries: ['redis-server'],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    startTimeoutMs: 10_000,
    async prepare() {
      ensureDir(join(dir, 'data'))
      // A file, not flags: keeps the password out of `ps`.
      const lines = [
        `port ${port}`,
        `bind ${LOCALHOST}`,
        `dir ${join(dir, 'data')}`,
        `requirepass ${env.get('REDIS_PASSWORD')}`,
        'daemonize no',
        'logfile ""',
        'appendonly yes',
        // Sessions and visit counts are what the lab promises to keep: a cap on memory, and when
        // it is reached, writes fail (the replicas answer 503) instead of evicting any of them.
        `maxmemory ${env.get('REDIS_MAXMEMORY')}`,
        'maxmemory-policy noeviction',
        'save ""',
      ]
      return writeIfChanged(conf, `${lines.join('\n')}\n`, 0o600)
    },
    command: () => ({ command: bin('redis-server'), args: [conf], env: {}, cwd: dir }),
    healthy: () => redisPing(port, env.get('REDIS_PASSWORD')),
  }
}

function postgres(env: LabEnv, role: 'primary' | 'replica'): Service {
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
    dependsOn: role === 'primary' ? [] : ['pg-primary'],
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
                env: appEnv(env, 'migrate', 0),
              },
            )
          }
        : undefined,
  }
}

/** What the replica reads (services/app/src/config.ts), with native-mode addresses. */
const APP_SETTINGS = [
  'NODE_ENV',
  'LOG_LEVEL',
  'SHUTDOWN_DELAY_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'DEPENDENCY_TIMEOUT_MS',
  'REQUEST_DEADLINE_MS',
  'SESSION_SECRET',
  'SESSION_COOKIE_NAME',
  'SESSION_TTL_SECONDS',
  'REDIS_PASSWORD',
  'PG_DATABASE',
  'PG_USER',
  'PG_PASSWORD',
  'PG_POOL_MAX',
  'PG_QUERY_TIMEOUT_MS',
  'WORK_CONCURRENCY',
  'WORK_MAX_MS',
  'WORK_QUEUE_TIMEOUT_MS',
]

export function appEnv(env: LabEnv, replicaId: string, port: number): Record<string, string> {
  return {
    ...Object.fromEntries(APP_SETTINGS.map((key) => [key, env.get(key)])),
    REPLICA_ID: replicaId,
    HOST: LOCALHOST,
    PORT: String(port),
    TRUST_PROXY: LOCALHOST,
    REDIS_HOST: LOCALHOST,
    REDIS_PORT: String(env.port('REDIS_PORT')),
    PG_PRIMARY_HOST: LOCALHOST,
    PG_PRIMARY_PORT: String(env.port('PG_PRIMARY_PORT')),
    PG_REPLICA_HOST: LOCALHOST,
    PG_REPLICA_PORT: String(env.port('PG_REPLICA_PORT')),
  }
}

/** What the TypeScript and the Python replicas have in common as services. */
function replicaService(env: LabEnv, name: string, port: number): Omit<Service, 'command'> {
  return {
    name,
    // The replica serves reads; starting after it means reads use it from the first request.
    dependsOn: ['redis', 'pg-primary', 'pg-replica'],
    port,
    binaries: [],
    // The replica drains on SIGTERM (Gunicorn's master stops its workers gracefully).
    stopSignal: 'SIGTERM',
    // Longer than the replica's own drain budget, like compose's stop_grace_period.
    stopTimeoutMs: Number(env.get('SHUTDOWN_DELAY_MS')) + Number(env.get('SHUTDOWN_TIMEOUT_MS')) + 5000,
    startTimeoutMs: 20_000,
    // Ready, not merely alive: nginx should only get replicas that can serve.
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/ready`),
    url: `http://${LOCALHOST}:${port}`,
  }
}

function app(env: LabEnv, n: number): Service {
  const name = `app${n}`
  const port = env.port(`APP${n}_PORT`)
  return {
    ...replicaService(env, name, port),
    command: () => ({
      command: process.execPath,
      args: [join(repoRoot, 'services/app/src/server.ts')],
      cwd: join(repoRoot, 'services/app'),
      env: appEnv(env, name, port),
    }),
  }
}

/**
 * What a Python replica reads (services/py-sample/lbsample/config.py and gunicorn.conf.py): the
 * TypeScript replica's variables, its own cookie name, and where its workers keep metric files.
 */
export function pyEnv(env: LabEnv, replicaId: string, port: number): Record<string, string> {
  return {
    ...appEnv(env, replicaId, port),
    SESSION_COOKIE_NAME: env.get('PY_SESSION_COOKIE_NAME'),
    GUNICORN_WORKERS: env.get('GUNICORN_WORKERS'),
    GUNICORN_THREADS: env.get('GUNICORN_THREADS'),
    PROMETHEUS_MULTIPROC_DIR: join(serviceDir(replicaId), 'metrics'),
    // Bytecode caches stay out of the source tree; logs are written as they happen.
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  }
}

function py(env: LabEnv, n: number): Service {
  const name = `py${n}`
  const port = env.port(`PY${n}_PORT`)
  const gunicorn = join(pyVenv, 'bin', 'gunicorn')
  return {
    ...replicaService(env, name, port),
    async prepare() {
      // Built from the pinned requirements when missing (synchronously: py1-3 prepare at once).
      if (!existsSync(gunicorn)) spawnSync('make', ['-s', 'py-venv'], { cwd: repoRoot, stdio: 'inherit' })
      if (!existsSync(gunicorn)) {
        throw new ServiceError(name, `no virtualenv at ${displayPath(pyVenv)}: \`make py-venv\` failed`)
      }
      return false
    },
    command: () => ({
      command: gunicorn,
      args: ['-c', 'gunicorn.conf.py'],
      cwd: join(repoRoot, 'services/py-sample'),
      env: pyEnv(env, name, port),
    }),
  }
}

function nginx(env: LabEnv): Service {
  const port = env.port('NGINX_HTTP_PORT')
  const dir = serviceDir('nginx')
  const confDir = join(dir, 'conf')
  let version = ''

  /** The rendered files, with strategies/ and snippets/ beside them (Docker mode copies them). */
  function writeConfig(into: string): boolean {
    ensureDir(into)
    for (const shared of ['strategies', 'snippets']) {
      const link = join(into, shared)
      if (!existsSync(link)) symlinkSync(join(repoRoot, 'nginx', shared), link)
    }
    const rendered = renderNginx(env, nativePlacement(env, dir, into))
    version = rendered.version
    let changed = false
    for (const [name, content] of rendered.files)
      changed = writeIfChanged(join(into, name), content) || changed
    return changed
  }

  return {
    name: 'nginx',
    dependsOn: [...APPS, ...PYS],
    port,
    ports: [port, env.port('NGINX_HTTPS_PORT'), env.port('NGINX_STATUS_PORT')],
    binaries: ['nginx', 'openssl'],
    // Graceful: workers finish the requests they hold, as the official image's STOPSIGNAL.
    stopSignal: 'SIGQUIT',
    stopTimeoutMs: 10_000,
    startTimeoutMs: 10_000,
    async prepare() {
      for (const sub of ['log', 'tmp']) ensureDir(join(dir, sub))
      await ensureDevCertificate(join(dir, 'tls'))
      // Test the candidate in a staging folder before it replaces what a running nginx reloads.
      const staging = join(dir, 'conf.next')
      rmSync(staging, { recursive: true, force: true })
      writeConfig(staging)
      try {
        await runChecked('nginx', 'nginx -t', bin('nginx'), [
          '-t',
          '-q',
          '-p',
          dir,
          '-e',
          'stderr',
          '-c',
          join(staging, 'nginx.conf'),
        ])
      } finally {
        rmSync(staging, { recursive: true, force: true })
      }
      return writeConfig(confDir)
    },
    command: () => ({
      command: bin('nginx'),
      args: ['-p', dir, '-e', 'stderr', '-c', join(confDir, 'nginx.conf'), '-g', 'daemon off;'],
      env: {},
      cwd: dir,
    }),
    healthy: async () => {
      try {
        const response = await fetch(`http://${LOCALHOST}:${port}/nginx-health`, {
          signal: AbortSignal.timeout(1000),
        })
        return (await response.text()).trim() === `ok ${version}`
      } catch {
        return false
      }
    },
    async reload(pid) {
      process.kill(pid, 'SIGHUP')
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}

/**
 * A self-signed development certificate for localhost and 127.0.0.1, made once and kept in the
 * state folder (never committed). Tests and curl trust it explicitly (--cacert).
 */
export async function ensureDevCertificate(tlsDir: string): Promise<void> {
  const cert = join(tlsDir, 'cert.pem')
  if (existsSync(cert)) return
  ensureDir(tlsDir, undefined, 0o700)
  await runChecked('nginx', 'openssl (dev certificate)', bin('openssl'), [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '825',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-keyout',
    join(tlsDir, 'key.pem'),
    '-out',
    cert,
  ])
}

function prometheus(env: LabEnv): Service {
  const port = env.port('PROMETHEUS_PORT')
  const dir = serviceDir('prometheus')
  const conf = join(dir, 'prometheus.yml')
  return {
    name: 'prometheus',
    dependsOn: [],
    port,
    binaries: ['prometheus', 'promtool'],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    startTimeoutMs: 30_000,
    async prepare() {
      ensureDir(join(dir, 'data'))
      const rendered = renderPrometheus(nativePrometheus(env))
      if (existsSync(conf) && readFileSync(conf, 'utf8') === rendered) return false
      const candidate = `${conf}.candidate`
      writeFileSync(candidate, rendered)
      // Checks the rule files too.
      await runChecked('prometheus', 'promtool check config', bin('promtool'), ['check', 'config', candidate])
      renameSync(candidate, conf)
      return true
    },
    command: () => ({
      command: bin('prometheus'),
      args: [
        `--config.file=${conf}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${LOCALHOST}:${port}`,
      ],
      env: {},
      cwd: dir,
    }),
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/-/ready`),
    async reload(pid) {
      process.kill(pid, 'SIGHUP')
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}

/** A Prometheus exporter: one process, healthy once its own metrics say it reaches its target. */
function exporter(
  env: LabEnv,
  spec: { name: string; portKey: string; binary: string; dependsOn: string; upMetric: string },
  args: (listen: string) => string[],
  secrets: Record<string, string> = {},
): Service {
  const port = env.port(spec.portKey)
  const listen = `${LOCALHOST}:${port}`
  return {
    name: spec.name,
    dependsOn: [spec.dependsOn],
    port,
    binaries: [spec.binary],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    startTimeoutMs: 15_000,
    // Secrets through the environment, not flags: flags show in `ps`.
    command: () => ({
      command: bin(spec.binary),
      args: args(listen),
      env: secrets,
      cwd: serviceDir(spec.name),
    }),
    healthy: async () => {
      try {
        const text = await (
          await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(1000) })
        ).text()
        return new RegExp(`^${spec.upMetric}(\\{[^}]*\\})? 1$`, 'm').test(text)
      } catch {
        return false
      }
    },
    url: `http://${listen}/metrics`,
  }
}

function exporters(env: LabEnv): Service[] {
  const pgMonitor = `postgresql://${encodeURIComponent(env.get('PG_MONITOR_USER'))}:${encodeURIComponent(
    env.get('PG_MONITOR_PASSWORD'),
  )}@${LOCALHOST}:${env.port('PG_PRIMARY_PORT')}/postgres?sslmode=disable`
  return [
    exporter(
      env,
      {
        name: 'nginx-exporter',
        portKey: 'NGINX_EXPORTER_PORT',
        binary: 'prometheus-nginx-exporter',
        dependsOn: 'nginx',
        upMetric: 'nginx_up',
      },
      (listen) => [
        `-nginx.scrape-uri=http://${LOCALHOST}:${env.port('NGINX_STATUS_PORT')}/stub_status`,
        `-web.listen-address=${listen}`,
      ],
    ),
    exporter(
      env,
      {
        name: 'redis-exporter',
        portKey: 'REDIS_EXPORTER_PORT',
        binary: 'prometheus-redis-exporter',
        dependsOn: 'redis',
        upMetric: 'redis_up',
      },
      (listen) => [
        `-redis.addr=redis://${LOCALHOST}:${env.port('REDIS_PORT')}`,
        `-web.listen-address=${listen}`,
      ],
      { REDIS_PASSWORD: env.get('REDIS_PASSWORD') },
    ),
    exporter(
      env,
      {
        name: 'postgres-exporter',
        portKey: 'POSTGRES_EXPORTER_PORT',
        binary: 'prometheus-postgres-exporter',
        dependsOn: 'pg-primary',
        upMetric: 'pg_up',
      },
      (listen) => [`--web.listen-address=${listen}`],
      { DATA_SOURCE_NAME: pgMonitor },
    ),
  ]
}

/**
 * Caps every log in the state folder as Docker mode caps its containers' (LOG_MAX_SIZE, three
 * files): see log-rotation.ts. First up, last down, so no service runs with its log unwatched.
 */
function logKeeper(env: LabEnv): Service {
  const name = 'log-keeper'
  const maxBytes = parseSize(env.get('LOG_MAX_SIZE'))
  return {
    name,
    dependsOn: [],
    binaries: [],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    startTimeoutMs: 5000,
    command: () => ({
      command: process.execPath,
      args: [join(repoRoot, 'tools/lab/src/log-keeper.ts'), stateRoot, String(maxBytes), '5000'],
      env: { PATH: process.env.PATH ?? '' },
      cwd: repoRoot,
    }),
    healthy: async () => livePid(name) !== undefined,
  }
}

/** Every service of the native stack, in an order where dependencies come first. */
export function services(env: LabEnv): Service[] {
  return [
    logKeeper(env),
    redis(env),
    postgres(env, 'primary'),
    postgres(env, 'replica'),
    prometheus(env),
    ...APPS.map((_, i) => app(env, i + 1)),
    ...PYS.map((_, i) => py(env, i + 1)),
    nginx(env),
    ...exporters(env),
  ]
}

export function describeLog(service: string): string {
  return displayPath(logFile(service))
}
