// nginx as the lab's balancer engine (engines/engine.ts): its templates are nginx/templates, its
// renderer config.ts.
import { join } from 'node:path'
import { which } from '../../system.ts'
import type { BalancerEngine } from '../engine.ts'
import { NGINX_SHARED_DIRS, NJS_MODULE, renderNginx } from './config.ts'

/** nginx on the config in `confDir`, with `prefix` for its relative paths, its own log on stderr. */
const onConfig = (prefix: string, confDir: string) => [
  '-p',
  prefix,
  '-e',
  'stderr',
  '-c',
  join(confDir, 'nginx.conf'),
]

export const nginxEngine: BalancerEngine = {
  name: 'nginx',
  binaries: ['nginx', 'openssl', NJS_MODULE],
  nativeBinary: () => {
    const path = which('nginx')
    if (!path) throw new Error('nginx not found')
    return path
  },
  render: renderNginx,
  sharedDirs: NGINX_SHARED_DIRS,
  testArgs: (prefix, confDir) => ['-t', '-q', ...onConfig(prefix, confDir)],
  runArgs: (prefix, confDir) => [...onConfig(prefix, confDir), '-g', 'daemon off;'],
  // Old workers finish their requests under the old config; new ones take the new.
  reloadSignal: 'SIGHUP',
  // Graceful: workers finish the requests they hold, as the official image's STOPSIGNAL.
  stopSignal: 'SIGQUIT',
  // Set as an old worker closes its listening sockets (ngx_worker_process_cycle).
  retiringTitle: 'worker process is shutting down',
  healthPath: '/nginx-health',
}
