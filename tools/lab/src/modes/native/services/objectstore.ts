// The object store for media uploads: SeaweedFS, started by the script Docker mode's container
// runs too (services/objectstore/start.sh), with the `weed` binary of the version compose.yaml
// pins, fetched once into the lab's cache (services/objectstore/fetch-weed.sh).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { repoRoot, serviceDir } from '../../../paths.ts'
import { httpOk } from '../../../probes.ts'
import { LOCALHOST } from '../../../topology.ts'
import { ensureDir, runChecked, type Service } from './service.ts'

const SCRIPTS = join(repoRoot, 'services/objectstore')

/** The SeaweedFS version: the one compose.yaml's objectstore image names, so both modes agree. */
export function seaweedfsVersion(): string {
  const compose = readFileSync(join(repoRoot, 'compose.yaml'), 'utf8')
  const tag = /^\s+image:\s*chrislusf\/seaweedfs:(\S+)\s*$/m.exec(compose)?.[1]
  if (!tag) throw new Error('compose.yaml names no chrislusf/seaweedfs image for the objectstore service')
  return tag
}

/** The S3 endpoint the replicas (and the migration) write to natively. */
export const nativeS3Endpoint = (env: LabEnv) => `http://${LOCALHOST}:${env.port('OBJECTSTORE_S3_PORT')}`

export function objectstore(env: LabEnv): Service {
  const port = env.port('OBJECTSTORE_S3_PORT')
  const metricsPort = env.port('OBJECTSTORE_METRICS_PORT')
  const dir = serviceDir('objectstore')
  let weedDir = ''
  return {
    name: 'objectstore',
    dependsOn: [],
    port,
    // start.sh's block of eight: S3, master, volume, filer, then their four gRPC ports.
    ports: [0, 1, 2, 3, 4, 5, 6, 7].map((n) => port + n).concat(metricsPort),
    binaries: ['python3'],
    stopSignal: 'SIGTERM',
    // weed server's filer waits on its own S3 gateway's stream to end, which it never does
    // (measured: past 15 s, every time); what it acknowledged is already written to its files,
    // so the kill that follows loses nothing. compose.yaml's stop_grace_period is the same.
    stopTimeoutMs: 5000,
    startTimeoutMs: 30_000,
    async prepare() {
      ensureDir(dir, undefined, 0o700)
      const weed = await runChecked('objectstore', 'fetch-weed.sh', 'sh', [
        join(SCRIPTS, 'fetch-weed.sh'),
        seaweedfsVersion(),
      ])
      weedDir = dirname(weed.trim().split('\n').at(-1) ?? '')
      return false
    },
    command: () => ({
      command: 'sh',
      args: [join(SCRIPTS, 'start.sh')],
      // The secret through the environment into a 0600 file: never a flag `ps` shows.
      env: {
        PATH: `${weedDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        OBJECTSTORE_DIR: dir,
        OBJECTSTORE_IP: LOCALHOST,
        OBJECTSTORE_S3_PORT: String(port),
        OBJECTSTORE_METRICS_PORT: String(metricsPort),
        S3_BUCKET: env.get('S3_BUCKET'),
        S3_ACCESS_KEY_ID: env.get('S3_ACCESS_KEY_ID'),
        S3_SECRET_ACCESS_KEY: env.get('S3_SECRET_ACCESS_KEY'),
      },
      cwd: dir,
    }),
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/healthz`),
    dataDir: join(dir, 'data'),
    url: nativeS3Endpoint(env),
  }
}
