// Each replica set on Kubernetes: its Deployment, Services, PodDisruptionBudget and autoscaler,
// rendered from its row of sets/ through one template (k8s/templates/replica-set.yaml.template).
import { join } from 'node:path'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { renderFile } from '../../render.ts'
import type { ReplicaSetRow } from '../../sets/index.ts'
import { MAX_REPLICAS, replicaCount, replicaSet, SET_NAMES } from '../../topology.ts'

/** Each replica set's Deployment, Services, PodDisruptionBudget and autoscaler, from its row: one template, no copy per set. */
export function renderSets(env: LabEnv): string {
  return SET_NAMES.map((name) => renderSet(env, replicaSet(name))).join('---\n')
}

/** One set's objects; `as` renders it under another name, image and count (a canary of it). */
export function renderSet(
  env: LabEnv,
  set: ReplicaSetRow,
  as: { name?: string; image?: string; replicas?: number } = {},
): string {
  const extra = Object.entries(set.containerEnv?.(env) ?? {})
  const drainMs = Number(env.get('SHUTDOWN_DELAY_MS')) + Number(env.get('SHUTDOWN_TIMEOUT_MS'))
  const replicas = as.replicas ?? replicaCount(env, set.name)
  return renderFile(join(repoRoot, 'k8s/templates/replica-set.yaml.template'), {
    SET: as.name ?? set.name,
    SET_LABEL: set.label,
    PORT: set.containerPort,
    REPLICAS: replicas,
    MAX_REPLICAS: maxReplicas(replicas),
    IMAGE: as.image ?? set.image,
    SESSION_COOKIE_NAME: env.get(set.cookieKey),
    SET_ENV: extra.map(([k, v]) => `\n            - { name: ${k}, value: "${v}" }`).join(''),
    PRESTOP_SECONDS: PRESTOP_SECONDS,
    GRACE_SECONDS: PRESTOP_SECONDS + Math.ceil(drainMs / 1000) + 5,
  })
}

/** The autoscaler's ceiling for a set that runs `count` pods when idle. */
export const maxReplicas = (count: number) => Math.min(MAX_REPLICAS, 2 * count)

/** How long a stopping replica still takes requests: the balancer's DNS answer lasts 1 s. */
const PRESTOP_SECONDS = 3
