// The Python sample (services/py-sample): Flask under Gunicorn, under /py/, with a cookie of its own.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { displayPath, pyVenv, repoRoot, serviceDir } from '../paths.ts'
import type { ReplicaSetRow } from './set.ts'

const gunicorn = join(pyVenv, 'bin', 'gunicorn')

export const py: ReplicaSetRow = {
  name: 'py',
  label: 'Python sample',
  countKey: 'PY_REPLICAS',
  portBaseKey: 'PY_PORT_BASE',
  containerPort: 8000,
  image: 'lb-lab/py-sample:dev',
  containerEnv: (env) => ({
    GUNICORN_WORKERS: env.get('GUNICORN_WORKERS'),
    GUNICORN_THREADS: env.get('GUNICORN_THREADS'),
    PROMETHEUS_MULTIPROC_DIR: '/tmp/lb-metrics',
  }),
  prefix: '/py',
  faults: true,
  cookieKey: 'PY_SESSION_COOKIE_NAME',
  prepare() {
    // Built from the pinned requirements when missing (synchronously: the replicas of a set prepare at once).
    if (!existsSync(gunicorn)) spawnSync('make', ['-s', 'py-venv'], { cwd: repoRoot, stdio: 'inherit' })
    if (!existsSync(gunicorn))
      throw new Error(`no virtualenv at ${displayPath(pyVenv)}: \`make py-venv\` failed`)
  },
  // What lbsample/config.py and gunicorn.conf.py read beyond the contract: Gunicorn's settings,
  // and where its workers keep their metric files.
  process: (contract, env, replica) => ({
    command: gunicorn,
    args: ['-c', 'gunicorn.conf.py'],
    cwd: join(repoRoot, 'services/py-sample'),
    env: {
      ...contract,
      GUNICORN_WORKERS: env.get('GUNICORN_WORKERS'),
      GUNICORN_THREADS: env.get('GUNICORN_THREADS'),
      PROMETHEUS_MULTIPROC_DIR: join(serviceDir(replica), 'metrics'),
      // Bytecode caches stay out of the source tree; logs are written as they happen.
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    },
  }),
}
