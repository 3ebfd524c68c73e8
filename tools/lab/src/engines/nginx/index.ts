// nginx as the lab's balancer engine (engines/engine.ts): its templates are nginx/templates, its
// renderer config.ts. Natively, Debian's package of NGINX_VERSION, unpacked once (nginx/fetch.sh).
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { repoRoot } from '../../paths.ts'
import type { BalancerEngine } from '../engine.ts'
import { NGINX_SHARED_DIRS, NGINX_VERSION, renderNginx } from './config.ts'

let fetched = ''
/** The folder Debian's packages are unpacked into (fetched on first use). */
function nativeRoot(): string {
  if (fetched) return fetched
  const run = spawnSync('sh', [join(repoRoot, 'nginx/fetch.sh'), NGINX_VERSION], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`nginx/fetch.sh ${NGINX_VERSION} failed (exit ${run.status})`)
  fetched = join(dirname(run.stdout.trim().split('\n').at(-1) ?? ''), 'root')
  return fetched
}

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
  binaries: ['openssl', 'curl', 'python3'],
  nativeBinary: () => join(nativeRoot(), 'usr/sbin/nginx'),
  nativeRoot,
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
  // stub_status, for Prometheus (HAProxy serves its metrics itself).
  companions: ['nginx-exporter'],
  // Its media cache is on disk (proxy_cache_path), not in its memory.
  container: { image: `nginx:${NGINX_VERSION}`, memoryLimit: () => '512Mi' },
}
