// Kubernetes mode: the lab's manifests (k8s/base, and the overlay the lab renders over it:
// overlay.ts) applied to a cluster with kubectl (kubectl.ts: the lab's own cluster or yours).
// The verbs of modes/run-mode.ts; where Kubernetes does a thing its own way, the verb says so.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ENGINES } from '../../engines/index.ts'
import { type LabEnv, loadLabEnv, scaleFile } from '../../env.ts'
import { k6Args } from '../../k6-args.ts'
import { repoRoot } from '../../paths.ts'
import { rememberCount, rememberCounts } from '../../scale.ts'
import { parseReplica, replicaSet, SET_NAMES } from '../../topology.ts'
import { printUrls, timed } from '../../verb-output.ts'
import { ensureDotEnv } from '../docker/dotenv.ts'
import type { RunMode, ServiceVerb } from '../run-mode.ts'
import { askCluster } from './cluster.ts'
import {
  CANARY,
  CANARY_SELECTOR,
  canaryWeight,
  GATEWAY,
  GATEWAY_KINDS,
  gatewayUrl,
  haveGatewayApi,
  haveGatewayClass,
} from './gateway.ts'
import { buildSetImages, clusterScript, haveImage, imagesOf } from './images.ts'
import { kubectl, kubectlOk, labCluster, NAMESPACE } from './kubectl.ts'
import { GRAFANA_IMAGE, grafanaReady } from './monitoring.ts'
import { writeOverlay } from './overlay.ts'
import { maxReplicas } from './sets.ts'

/** The data services, ready before the migration and the replicas (StatefulSets, one pod each). */
const DATA = ['redis', 'pg-primary', 'pg-replica', 'objectstore']
const WAIT_MS = 300_000
const WAIT = `${WAIT_MS / 1000}s`

interface Pod {
  metadata: { name: string; creationTimestamp: string; deletionTimestamp?: string }
  status: { phase: string }
}

/** A pod by what people call it: its own name, `<set><n>` (the set's n-th pod, oldest first), a data service, the balancer (nginx, haproxy, console). */
async function podOf(target: string): Promise<string> {
  if (DATA.includes(target)) return `${target}-0`
  const replica = parseReplica(target)
  // The engine and the console are the balancer's pod (its containers `balancer` and `console`).
  const balancer = target === 'balancer' || target === 'console' || target in ENGINES
  const set = replica ? replica.set : balancer ? 'balancer' : SET_NAMES.includes(target) ? target : undefined
  if (!set) return target
  const pods = (
    JSON.parse(await kubectlOk(['get', 'pods', '-l', `app.kubernetes.io/name=${set}`, '-o', 'json'])) as {
      items: Pod[]
    }
  ).items
    .filter((pod) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp)
    .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp))
  const pod = pods[(replica?.n ?? 1) - 1]
  if (!pod) throw new Error(`${target}: ${set} has ${pods.length} running pods`)
  return pod.metadata.name
}

async function waitReady(): Promise<void> {
  for (const name of DATA) await kubectlOk(['rollout', 'status', `statefulset/${name}`, `--timeout=${WAIT}`])
  await kubectlOk(['wait', '--for=condition=complete', 'job/migrate', `--timeout=${WAIT}`])
  const present = async (name: string) => (await kubectl(['get', name], { timeoutMs: 10_000 })).code === 0
  for (const name of [...SET_NAMES, 'balancer', 'prometheus'])
    await kubectlOk(['rollout', 'status', `deployment/${name}`, `--timeout=${WAIT}`])
  if (await present(`deployment/${CANARY}`))
    await kubectlOk(['rollout', 'status', `deployment/${CANARY}`, `--timeout=${WAIT}`])
  if (await present(`gateway/${GATEWAY}`))
    await kubectlOk(['wait', '--for=condition=Programmed', `gateway/${GATEWAY}`, '--timeout=60s'])
}

/** STATIC_FILES=replicas is refused here: the replicas' pods have no static/ folder (the balancer has it, as a ConfigMap). */
export function refuseStaticOnReplicas(env: LabEnv): void {
  if (env.oneOf('STATIC_FILES', ['balancer', 'replicas']) === 'replicas')
    throw new Error(
      'STATIC_FILES=replicas: a switch of native and Docker modes; on Kubernetes the replicas have no static/ folder to serve (the balancer has it, as a ConfigMap)',
    )
}

export const k8sMode: RunMode = {
  async running() {
    return (await kubectl(['get', 'namespace', NAMESPACE], { timeoutMs: 10_000 })).code === 0
  },

  async up() {
    const generated = ensureDotEnv()
    if (generated.length > 0) console.log(`lab: .env: freshly generated ${generated.join(', ')}`)
    const env = loadLabEnv()
    // Its manifests are written for the lab's two sets (k8s/base); a declared set has none yet.
    const declared = SET_NAMES.filter((set) => replicaSet(set).folder)
    if (declared.length)
      throw new Error(
        `SETS=${declared.join(',')}: a set declared under sets/ runs in native and Docker modes; Kubernetes mode has no manifests for one yet (sets/README.md)`,
      )
    refuseStaticOnReplicas(env)
    rememberCounts(env)
    const started = performance.now()
    const cluster = await askCluster()
    // The lab's cluster has only the images this machine's Docker engine has: without
    // Grafana's (no registry, no package to build it from), the rest comes up, as in Docker mode.
    const grafana = !labCluster() || (await haveImage(GRAFANA_IMAGE))
    const withGateway = await haveGatewayClass(env)
    const { dir } = await writeOverlay(env, cluster, grafana, withGateway)
    if (labCluster()) {
      await buildSetImages()
      await clusterScript(['load', ...(await imagesOf(dir))])
    }
    // The API server checks all of it first (a server-side dry run, in the namespace it needs):
    // what it refuses changes nothing, rather than leaving half an update applied.
    if (!(await k8sMode.running())) await kubectlOk(['create', 'namespace', NAMESPACE])
    await kubectlOk(['apply', '-k', dir, '--dry-run=server'])
    // A Job's pod template cannot change: the finished migration goes, the new one runs.
    await kubectlOk(['delete', 'job', 'migrate', '--ignore-not-found'])
    await kubectlOk(['apply', '-k', dir])
    // `apply` adds and changes; a canary no longer asked for is removed here.
    if (canaryWeight(env) === 0) {
      const kinds = `deployments,services,poddisruptionbudgets,horizontalpodautoscalers${withGateway ? `,${GATEWAY_KINDS}` : ''}`
      await kubectlOk(['delete', kinds, '-l', CANARY_SELECTOR, '--ignore-not-found', '--timeout=120s'])
    }
    await waitReady()
    const grafanaPulled = grafana && (await grafanaReady(WAIT_MS))
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    printUrls(env, 'k8s', seconds, [
      grafanaPulled
        ? `  grafana         http://127.0.0.1:${env.port('GRAFANA_PORT')}/   (the Load balancing dashboard)`
        : grafana
          ? `  grafana         not running: this cluster's nodes cannot pull ${GRAFANA_IMAGE} (kubectl -n ${NAMESPACE} describe pods -l app.kubernetes.io/name=grafana); the rest does not need it`
          : `  grafana         not started: its image cannot be had here (see tools/docker/README.md)`,
      withGateway
        ? `  gateway         ${await gatewayUrl()}/api/whoami   (GatewayClass ${env.get('GATEWAY_CLASS')}${canaryWeight(env) > 0 ? `; ${canaryWeight(env)}% of /api to ${CANARY}` : ''})`
        : `  gateway         not set up: this cluster has no GatewayClass ${env.get('GATEWAY_CLASS')} (k8s/README.md)`,
      `  namespace       ${NAMESPACE}   (on your own cluster: kubectl -n ${NAMESPACE} port-forward service/balancer ${env.port('NGINX_HTTP_PORT')}:8080)`,
    ])
  },

  async down() {
    // The workloads go, their pods stopped before this returns (foreground); the namespace, its
    // volumes (and so the data) and the secrets stay.
    const gateway = (await haveGatewayApi()) ? `,${GATEWAY_KINDS}` : ''
    await kubectlOk([
      'delete',
      `deployments,statefulsets,jobs,services${gateway}`,
      '--all',
      '--cascade=foreground',
      '--timeout=120s',
    ])
  },

  async reset() {
    await kubectlOk(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=180s'])
    // The volumes the claims held: emptied and free again (on your cluster, its provisioner's job).
    if (labCluster()) await clusterScript(['volumes'])
    // And the counts and engine `scale` and `up` remembered, as the other modes forget them.
    rmSync(scaleFile(), { force: true })
  },

  async ps() {
    await kubectl(['get', 'pods,services', '-o', 'wide'], { inherit: true })
  },

  async logs(target, follow) {
    const args = target
      ? [await podOf(target), '--all-containers', '--prefix']
      : ['-l', 'app.kubernetes.io/part-of=lb-lab', '--all-containers', '--prefix', '--max-log-requests=20']
    await kubectl(['logs', ...args, ...(follow ? ['--follow', '--tail=20'] : ['--tail=200'])], {
      inherit: true,
      timeoutMs: follow ? 24 * 3600_000 : 60_000,
    })
  },

  async act(verb: ServiceVerb, target: string) {
    const pod = await podOf(target)
    switch (verb) {
      case 'kill':
        // Kubernetes' nearest to a crash: the pod deleted with no grace period (the kubelet still
        // gives its processes its minimum, 2 s, before SIGKILL); its controller makes another.
        await kubectlOk(['delete', 'pod', pod, '--grace-period=0', '--force', '--wait=false'])
        console.log(`kill: ${pod} deleted with no grace period; its controller starts a replacement`)
        return
      case 'stop':
      case 'restart':
        await kubectlOk(['delete', 'pod', pod, '--wait=true', '--timeout=120s'])
        console.log(`${verb}: ${pod} stopped gracefully; its controller starts a replacement`)
        if (verb === 'restart') await waitReady()
        return
      case 'start':
        throw new Error(`start: on Kubernetes a controller starts pods (make scale changes how many)`)
      default:
        throw new Error(
          `${verb}: Kubernetes cannot freeze a pod; to make one stop answering: make fault s=${target} latency=5s`,
        )
    }
  },

  // The Deployment's count, and the autoscaler's floor and ceiling with it (else it would undo
  // the change); a pod that goes leaves the balancer's DNS answer before it drains. Remembered,
  // as in the other modes, so that the next `up` keeps it.
  scale: (set, count) =>
    timed('scale: done', async () => {
      const limits = { spec: { minReplicas: count, maxReplicas: maxReplicas(count) } }
      await kubectlOk(['patch', `hpa/${set}`, '--type=merge', '-p', JSON.stringify(limits)])
      await kubectlOk(['scale', `deployment/${set}`, `--replicas=${count}`])
      await kubectlOk(['rollout', 'status', `deployment/${set}`, `--timeout=${WAIT}`])
      rememberCount(set, count)
    }),

  // The Deployment's own rolling update: a new pod ready before an old one goes (maxSurge 1,
  // maxUnavailable 0), each old one leaving the balancer before it drains (its preStop).
  rolloutSet: (set) =>
    timed(`rollout: ${set} restarted`, async () => {
      await kubectlOk(['rollout', 'restart', `deployment/${set}`])
      await kubectlOk(['rollout', 'status', `deployment/${set}`, `--timeout=${WAIT}`])
    }),

  async reclone() {
    throw new Error(
      'reclone: not in k8s mode yet: make reset MODE=k8s, then make up, starts both servers afresh',
    )
  },

  async k6(args) {
    // From this machine, against the balancer's host port, as in native mode.
    const bin = join(repoRoot, 'bin/k6')
    if (!existsSync(bin)) spawnSync('make', ['-s', 'bin/k6'], { cwd: repoRoot, stdio: 'inherit' })
    const k6 = spawn(bin, k6Args(loadLabEnv(), args, 'k8s'), { cwd: repoRoot, stdio: 'inherit' })
    return await new Promise<number>((resolve) => k6.on('close', (code) => resolve(code ?? 1)))
  },

  async replicaUrl(replica) {
    const pod = await podOf(replica)
    const ip = (await kubectlOk(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP}'])).trim()
    const set = SET_NAMES.find((name) => pod.startsWith(`${name}-`))
    if (!set || !ip) throw new Error(`${replica}: not a running replica`)
    return `http://${ip}:${replicaSet(set).containerPort}`
  },
}
