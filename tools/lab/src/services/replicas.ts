// The replicas: app1-3 (TypeScript) and py1-3 (Flask under Gunicorn), and the environment each
// starts with (Docker mode's compose.yaml gives the same names; test/static checks it).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from '../env.ts'
import { displayPath, pyVenv, repoRoot, serviceDir } from '../paths.ts'
import { httpOk } from '../probes.ts'
import { LOCALHOST, replicaPort } from '../topology.ts'
import { type Service, ServiceError } from './service.ts'

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
  'READ_YOUR_WRITES_SECONDS',
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

export function app(env: LabEnv, name: string): Service {
  const port = replicaPort(env, name)
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

export function py(env: LabEnv, name: string): Service {
  const port = replicaPort(env, name)
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
