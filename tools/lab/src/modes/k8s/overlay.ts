// Kubernetes mode's half of "one set of templates": the overlay `make up MODE=k8s` applies on
// top of k8s/base, written afresh into the state folder each time. In it: each replica set's
// Deployment and Services (k8s/templates/replica-set.yaml.template, one per row of sets/), the replica
// contract's environment, the settings and secrets from .env, the balancer's config rendered by
// the same renderer as the other modes, and the project's bootstrap scripts and the console as
// ConfigMaps (kustomize reads files only inside the overlay, so they are copied in), the
// monitoring (monitoring.ts) and the Gateway in front (gateway.ts). A changed ConfigMap gets a
// new name (kustomize's hash suffix): the pods that use it roll.
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { REPLICA_ENV } from '../../contract.ts'
import { ENGINES, engineOf } from '../../engines/index.ts'
import { DOCKER_BALANCER_DIR, k8sPlacement } from '../../engines/placement.ts'
import type { LabEnv } from '../../env.ts'
import { k8sTlsDir, repoRoot, stateRoot } from '../../paths.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../tls.ts'
import type { Cluster } from './cluster.ts'
import { gateway } from './gateway.ts'
import { NAMESPACE } from './kubectl.ts'
import { monitoring } from './monitoring.ts'
import { hostPorts, type OverlayParts, overlayWriter } from './overlay-writer.ts'
import { renderSets } from './sets.ts'

export const overlayDir = () => join(stateRoot, 'k8s', 'overlay')

/** What the data services read from .env: compose.yaml's x-postgres-env and the rest, as settings and secrets. */
const SETTINGS = [
  'PG_DATABASE',
  'PG_USER',
  'PG_REPLICATION_USER',
  'PG_REPLICATION_SLOT',
  'PG_MONITOR_USER',
  'PG_MAX_SLOT_WAL_KEEP_SIZE',
  'REDIS_MAXMEMORY',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'SESSION_COOKIE_NAME',
]
const SECRETS = [
  'POSTGRES_PASSWORD',
  'PG_PASSWORD',
  'PG_REPLICATION_PASSWORD',
  'PG_MONITOR_PASSWORD',
  'REDIS_PASSWORD',
  'S3_SECRET_ACCESS_KEY',
]

/** The contract's `mode` variables on Kubernetes: every service by its Service's name. */
function modeEnv(cluster: Cluster): Record<string, string> {
  return {
    HOST: '0.0.0.0',
    TRUST_PROXY: cluster.podCidrs.join(','),
    REDIS_HOST: 'redis',
    REDIS_PORT: '6379',
    PG_PRIMARY_HOST: 'pg-primary',
    PG_PRIMARY_PORT: '5432',
    PG_REPLICA_HOST: 'pg-replica',
    PG_REPLICA_PORT: '5432',
    S3_ENDPOINT: 'http://objectstore:8333',
  }
}

const envFile = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('')

/** Writes the overlay (Grafana and the Gateway in it or not); returns its folder and the balancer config's version. */
export async function writeOverlay(
  env: LabEnv,
  cluster: Cluster,
  withGrafana: boolean,
  withGateway: boolean,
  dir = overlayDir(),
): Promise<{ dir: string; version: string }> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const out = overlayWriter(dir)
  const { write, copy } = out

  // The replica contract's environment: `env` variables from .env, `mode` ones from here.
  const contract = Object.entries(REPLICA_ENV).filter(([, v]) => v.from === 'env')
  write(
    'replica.env',
    envFile({
      ...Object.fromEntries(contract.filter(([, v]) => !v.secret).map(([k]) => [k, env.get(k)])),
      ...modeEnv(cluster),
    }),
  )
  write(
    'replica-secrets.env',
    envFile(Object.fromEntries(contract.filter(([, v]) => v.secret).map(([k]) => [k, env.get(k)]))),
    0o600,
  )
  write('settings.env', envFile(Object.fromEntries(SETTINGS.map((k) => [k, env.get(k)]))))
  write('secrets.env', envFile(Object.fromEntries(SECRETS.map((k) => [k, env.get(k)]))), 0o600)

  // The balancer: the same renderer and templates as the other modes.
  const engine = engineOf(env)
  await ensureDevCertificate(k8sTlsDir)
  const { files, version } = engine.render(env, k8sPlacement(NAMESPACE, cluster, ensureSyslogTag(k8sTlsDir)))
  for (const [name, text] of files) write(`balancer/${name}`, text)
  const balancerFiles = [...files.keys()].map((name) => `balancer/${name}`)
  for (const shared of engine.sharedDirs)
    balancerFiles.push(...copy(`${engine.name}/${shared}`, `balancer/${shared}`))
  cpSync(join(k8sTlsDir, 'cert.pem'), join(dir, 'tls.crt'))
  cpSync(join(k8sTlsDir, 'key.pem'), join(dir, 'tls.key'))
  write(
    'console.env',
    envFile({
      // This machine, as the console sees a request nginx passes on: the node, or port-forward's loopback.
      CONSOLE_LOCAL_CLIENTS: cluster.clients.join(','),
      CONSOLE_ORIGINS: `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')},https://localhost:${env.port('NGINX_HTTPS_PORT')}`,
    }),
  )
  // Its token (.env.example: what it opens, and to whom) is a secret, not a setting.
  const token = env.values.get('CONSOLE_TOKEN')
  write('console-secrets.env', envFile(token ? { CONSOLE_TOKEN: token } : {}), 0o600)
  const consoleFiles = [
    ...copy('services/console/src', 'console/src'),
    ...copy('services/console/page', 'console/page'),
  ]

  write('sets.yaml', renderSets(env))

  // Keys of a ConfigMap are file names; this puts each back at its path in the pod.
  const items = (paths: string[], under: string) =>
    paths.map((path) => ({ key: basename(path), path: relative(under, path) }))
  // The engine LB_ENGINE names, in the container k8s/base/balancer.yaml makes nginx's: its image,
  // how it runs, its health path, its graceful stop, its memory; its companions, no other's.
  const stop = engine.stopSignal.replace('SIG', '')
  const balancerPatch = hostPorts(
    'balancer',
    'balancer',
    [
      ['http', 8080, env.port('NGINX_HTTP_PORT')],
      ['https', 8443, env.port('NGINX_HTTPS_PORT')],
    ],
    {
      container: {
        image: engine.container.image,
        // nginx's prefix in its image, for its relative paths (HAProxy takes none).
        command: [engine.name, ...engine.runArgs('/etc/nginx/', DOCKER_BALANCER_DIR)],
        readinessProbe: { httpGet: { path: engine.healthPath, port: 8080 } },
        lifecycle: {
          preStop: {
            exec: {
              command: ['sh', '-c', `kill -${stop} 1; while kill -0 1 2>/dev/null; do sleep 0.2; done`],
            },
          },
        },
        resources: { limits: { memory: engine.container.memoryLimit(env) } },
      },
      pod: {
        volumes: [
          { name: 'config', configMap: { name: 'balancer-config', items: items(balancerFiles, 'balancer') } },
          { name: 'console', configMap: { name: 'console-source', items: items(consoleFiles, 'console') } },
        ],
      },
      drop: Object.values(ENGINES)
        .filter((other) => other !== engine)
        .flatMap((other) => other.companions ?? []),
    },
  )

  const parts: OverlayParts[] = [
    {
      resources: [out.relative(join(repoRoot, 'k8s/base')), 'sets.yaml'],
      patches: [balancerPatch],
      configMaps: [
        { name: 'replica-env', envs: ['replica.env'] },
        { name: 'lab-settings', envs: ['settings.env'] },
        { name: 'console-settings', envs: ['console.env'] },
        { name: 'postgres-scripts', files: copy('services/postgres', 'postgres') },
        { name: 'objectstore-scripts', files: ['objectstore/start.sh'] },
        { name: 'balancer-config', files: balancerFiles },
        { name: 'static-files', files: copy('static', 'static', true) },
        { name: 'console-source', files: consoleFiles },
      ],
      secrets: [
        { name: 'replica-secrets', envs: ['replica-secrets.env'] },
        { name: 'lab-secrets', envs: ['secrets.env'] },
        { name: 'console-secrets', envs: ['console-secrets.env'] },
        { name: 'balancer-tls', type: 'kubernetes.io/tls', files: ['tls.crt', 'tls.key'] },
      ],
    },
    monitoring(out, env, withGrafana),
    gateway(out, env, withGateway),
  ]
  const patches = parts.flatMap((part) => part.patches)
  patches.forEach((patch, i) => {
    write(`patches/${i}.yaml`, `${JSON.stringify(patch, null, 2)}\n`)
  })
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: NAMESPACE,
    labels: [{ pairs: { 'app.kubernetes.io/part-of': 'lb-lab' } }],
    resources: parts.flatMap((part) => part.resources),
    patches: patches.map((_, i) => ({ path: `patches/${i}.yaml` })),
    configMapGenerator: parts.flatMap((part) => part.configMaps),
    secretGenerator: parts.flatMap((part) => part.secrets),
  }
  write('objectstore/start.sh', readFileSync(join(repoRoot, 'services/objectstore/start.sh'), 'utf8'))
  // JSON is YAML: kustomize reads it as it is.
  write('kustomization.yaml', `${JSON.stringify(kustomization, null, 2)}\n`)
  return { dir, version }
}
