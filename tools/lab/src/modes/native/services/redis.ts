// Redis for sessions and visit counts: a config file (password, memory cap, no eviction).
import { join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { serviceDir } from '../../../paths.ts'
import { redisPing } from '../../../probes.ts'
import { LOCALHOST } from '../../../topology.ts'
import { bin, ensureDir, type Service, writeIfChanged } from './service.ts'

export function redis(env: LabEnv): Service {
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
