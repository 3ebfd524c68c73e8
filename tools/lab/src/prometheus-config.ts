import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from './env.ts'
import { repoRoot } from './paths.ts'
import { fingerprint, renderFile } from './render.ts'
import {
  CONSOLE_CONTAINER_PORT,
  LOCALHOST,
  nativeReplicas,
  type ReplicaAddress,
  SET_NAMES,
} from './topology.ts'

const RULES = join(repoRoot, 'prometheus/rules')

/** A replica set's replicas: listed (native, Docker), or found by asking Kubernetes for its pods. */
export type SetTargets =
  | { name: string; replicas: ReplicaAddress[] }
  | { name: string; pods: { namespace: string; port: string } }

/** Scrape targets and the rules folder: what differs between run modes. */
export interface PrometheusPlacement {
  self: string
  /** A job per replica set (sets/index.ts). */
  sets: SetTargets[]
  /** The balancer's metrics: the nginx exporter, or HAProxy's status port (job: the engine's name). */
  balancer: { job: string; target: string }
  redisExporter: string
  postgresExporter: string
  objectstore: string
  /** The lab console's own port: nginx's media cache counts, from its access log. */
  console: string
  rulesDir: string
}

export function nativePrometheus(env: LabEnv): PrometheusPlacement {
  const at = (key: string) => `${LOCALHOST}:${env.port(key)}`
  return {
    self: at('PROMETHEUS_PORT'),
    sets: SET_NAMES.map((name) => ({ name, replicas: nativeReplicas(env, name) })),
    balancer:
      env.get('LB_ENGINE') === 'nginx'
        ? { job: 'nginx', target: at('NGINX_EXPORTER_PORT') }
        : { job: env.get('LB_ENGINE'), target: at('NGINX_STATUS_PORT') },
    redisExporter: at('REDIS_EXPORTER_PORT'),
    postgresExporter: at('POSTGRES_EXPORTER_PORT'),
    objectstore: at('OBJECTSTORE_METRICS_PORT'),
    console: at('CONSOLE_PORT'),
    rulesDir: RULES,
  }
}

/** Docker mode: the replicas at the addresses the balancer proxies to (modes/docker/replicas.ts). */
export function dockerPrometheus(
  env: LabEnv,
  replicas: Record<string, ReplicaAddress[]>,
): PrometheusPlacement {
  return {
    self: 'localhost:9090',
    sets: SET_NAMES.map((name) => ({ name, replicas: replicas[name] ?? [] })),
    // HAProxy's own endpoint on its status port (the placement's statusListen).
    balancer:
      env.get('LB_ENGINE') === 'nginx'
        ? { job: 'nginx', target: 'nginx-exporter:9113' }
        : { job: env.get('LB_ENGINE'), target: `${env.get('LB_ENGINE')}:8081` },
    redisExporter: 'redis-exporter:9121',
    postgresExporter: 'postgres-exporter:9187',
    objectstore: 'objectstore:9327',
    console: `console:${CONSOLE_CONTAINER_PORT}`,
    rulesDir: '/etc/prometheus/rules',
  }
}

/** Kubernetes mode: each set's pods as Kubernetes lists them (kubernetes_sd), the rest by Service. */
export function k8sPrometheus(env: LabEnv, namespace: string): PrometheusPlacement {
  return {
    self: 'localhost:9090',
    sets: SET_NAMES.map((name) => ({ name, pods: { namespace, port: 'http' } })),
    // The exporter beside nginx in the balancer's pod (k8s/base/balancer.yaml).
    balancer:
      env.get('LB_ENGINE') === 'nginx'
        ? { job: 'nginx', target: 'balancer:9113' }
        : { job: env.get('LB_ENGINE'), target: 'balancer:8081' },
    redisExporter: 'redis:9121',
    postgresExporter: 'pg-primary:9187',
    objectstore: 'objectstore:9327',
    console: `balancer:${CONSOLE_CONTAINER_PORT}`,
    rulesDir: '/etc/prometheus/rules',
  }
}

/** A set's scrape job: its listed replicas, or every running pod of the set, named by its pod. */
function setJob(set: SetTargets): string {
  if ('replicas' in set) {
    const targets = set.replicas.map(
      ({ name, address }) =>
        `      - targets: ['${address}']\n        labels: { replica: ${name}, tier: replica }`,
    )
    return `- job_name: ${set.name}\n    static_configs:\n${targets.join('\n')}`
  }
  // A pod is watched, not polled: a new one is scraped from its first interval on, and one that
  // goes stops being scraped (its series go stale, as a stopped process's do in the other modes).
  return `- job_name: ${set.name}
    kubernetes_sd_configs:
      - role: pod
        namespaces: { names: [${set.pods.namespace}] }
        selectors: [{ role: pod, label: app.kubernetes.io/name=${set.name} }]
    relabel_configs:
      - { source_labels: [__meta_kubernetes_pod_container_port_name], regex: ${set.pods.port}, action: keep }
      - { source_labels: [__meta_kubernetes_pod_phase], regex: Running, action: keep }
      - { source_labels: [__meta_kubernetes_pod_name], target_label: replica }
      - { target_label: tier, replacement: replica }`
}

export function renderPrometheus(placement: PrometheusPlacement): string {
  const vars: Record<string, string> = {
    PROMETHEUS_TARGET: placement.self,
    BALANCER_JOB: placement.balancer.job,
    BALANCER_TARGET: placement.balancer.target,
    REDIS_EXPORTER_TARGET: placement.redisExporter,
    POSTGRES_EXPORTER_TARGET: placement.postgresExporter,
    OBJECTSTORE_TARGET: placement.objectstore,
    CONSOLE_TARGET: placement.console,
    RULES_DIR: placement.rulesDir,
    // Rules are read from their folder, not rendered: their fingerprint in the config makes an
    // edited rule count as a changed config, so `up` reloads Prometheus.
    RULES_VERSION: fingerprint(
      ...readdirSync(RULES)
        .sort()
        .map((f) => readFileSync(join(RULES, f), 'utf8')),
    ),
  }
  vars.REPLICA_JOBS = placement.sets.map(setJob).join('\n\n  ')
  return renderFile(join(repoRoot, 'prometheus/prometheus.yml.template'), vars)
}
