// HAProxy as the lab's balancer engine (engines/engine.ts), LB_ENGINE=haproxy: its template is
// haproxy/templates, its renderer config.ts. Natively, the release below, built once from
// Debian's source (haproxy/build.sh): the current long-term branch, which no Debian suite this
// machine runs ships (bookworm has 2.6).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../../paths.ts'
import type { BalancerEngine } from '../engine.ts'
import { HAPROXY_HEALTH_PATH, mediaCacheMb, renderHaproxy, runtimeSocket } from './config.ts'

export const HAPROXY_VERSION = '3.2.23'

const onConfig = (confDir: string) => ['-f', join(confDir, 'haproxy.cfg')]

export const haproxyEngine: BalancerEngine = {
  name: 'haproxy',
  binaries: ['openssl', 'curl'],
  nativeBinary() {
    const built = spawnSync('sh', [join(repoRoot, 'haproxy/build.sh'), HAPROXY_VERSION], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    })
    if (built.status !== 0)
      throw new Error(`haproxy/build.sh ${HAPROXY_VERSION} failed (exit ${built.status})`)
    return built.stdout.trim().split('\n').at(-1) ?? ''
  },
  render: renderHaproxy,
  sharedDirs: [],
  testArgs: (_prefix, confDir) => ['-c', '-q', ...onConfig(confDir)],
  // Master-worker in the foreground, as the official image's entrypoint runs it.
  runArgs: (_prefix, confDir) => ['-W', '-db', ...onConfig(confDir)],
  // To the master: new workers on the new config; the old ones finish what they hold.
  reloadSignal: 'SIGUSR2',
  // Graceful: stop listening, finish the requests in progress (the official image's STOPSIGNAL).
  stopSignal: 'SIGUSR1',
  healthPath: HAPROXY_HEALTH_PATH,
  // Its media cache is in memory (MEDIA_CACHE_MAX_SIZE, all of it claimed as it fills): a limit
  // below it gets the worker killed as the cache grows.
  container: {
    image: `haproxy:${HAPROXY_VERSION}`,
    memoryLimit: (env) => `${mediaCacheMb(env) + 512}Mi`,
  },
  // `drain`: no new requests but those a sticky cookie binds to it; its checks go on.
  runtimeDrain: {
    commands: (set, replicas) => replicas.map((name) => `set server ${set}_backend/${name} state drain`),
    socket: (placement) =>
      placement.runtimeLoopbackPort
        ? { port: placement.runtimeLoopbackPort }
        : { path: runtimeSocket(placement) },
  },
}
