// nginx as the lab's balancer engine (engines/engine.ts): its templates are nginx/templates, its
// renderer config.ts.
import { join } from 'node:path'
import type { BalancerEngine } from '../engine.ts'
import { NGINX_SHARED_DIRS, NJS_MODULE, renderNginx } from './config.ts'

export const nginxEngine: BalancerEngine = {
  name: 'nginx',
  binaries: ['nginx', 'openssl', NJS_MODULE],
  render: renderNginx,
  sharedDirs: NGINX_SHARED_DIRS,
  testArgs: (prefix, confDir) => [
    '-t',
    '-q',
    '-p',
    prefix,
    '-e',
    'stderr',
    '-c',
    join(confDir, 'nginx.conf'),
  ],
  runArgs: (prefix, confDir) => [
    '-p',
    prefix,
    '-e',
    'stderr',
    '-c',
    join(confDir, 'nginx.conf'),
    '-g',
    'daemon off;',
  ],
  // Old workers finish their requests under the old config; new ones take the new.
  reloadSignal: 'SIGHUP',
  // Graceful: workers finish the requests they hold, as the official image's STOPSIGNAL.
  stopSignal: 'SIGQUIT',
  healthPath: '/nginx-health',
}
