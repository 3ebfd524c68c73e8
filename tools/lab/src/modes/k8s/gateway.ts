// The overlay's edge: the Gateway and its route to the balancer (k8s/gateway/), where the cluster
// offers the GatewayClass GATEWAY_CLASS names; and, with CANARY_WEIGHT above 0, a canary of the
// set served at the root: that set rendered again as <set>-canary (one pod, CANARY_IMAGE or the
// set's own), and a route giving it that percentage of the set's /api. The canary's requests go
// from the Gateway to its Service, not through the balancer: the Gateway splits versions, the
// balancer spreads one version over its replicas.
import { join } from 'node:path'
import { GATEWAY_CONTAINER_PORT } from '../../engines/placement.ts'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { ROOT_SET, replicaSet } from '../../topology.ts'
import { kubectl, kubectlOk } from './kubectl.ts'
import type { OverlayParts, OverlayWriter } from './overlay-writer.ts'
import { renderSet } from './sets.ts'

export const GATEWAY = 'lb-lab'
/** The port of the Gateway's listener (k8s/gateway/gateway.yaml). */
export const GATEWAY_PORT = 8000
export const CANARY = `${ROOT_SET}-canary`
/** What marks the canary's objects, so that `up` with no canary removes them. */
export const CANARY_SELECTOR = 'app.kubernetes.io/component=canary'
const API = 'gateway.networking.k8s.io/v1'
export const GATEWAY_KINDS = 'gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io'

export function canaryWeight(env: LabEnv): number {
  const value = env.get('CANARY_WEIGHT')
  const weight = Number(value)
  if (!/^\d+$/.test(value) || weight > 100)
    throw new Error(`CANARY_WEIGHT=${value} is not a percentage (a whole number from 0 to 100)`)
  return weight
}

/** Whether the cluster offers the class GATEWAY_CLASS names (no Gateway API, no class: no). */
export async function haveGatewayClass(env: LabEnv): Promise<boolean> {
  const { code } = await kubectl(['get', 'gatewayclass', env.get('GATEWAY_CLASS')], { timeoutMs: 10_000 })
  return code === 0
}

/** Whether the cluster knows the Gateway API's kinds at all. */
export async function haveGatewayApi(): Promise<boolean> {
  return (await kubectl(['get', GATEWAY_KINDS], { timeoutMs: 10_000 })).code === 0
}

/** Where this machine reaches the Gateway: the address its implementation reports, the listener's port. */
export async function gatewayUrl(): Promise<string> {
  const address = await kubectlOk([
    'get',
    `gateway/${GATEWAY}`,
    '-o',
    'jsonpath={.status.addresses[0].value}',
  ])
  return `http://${address.trim() || '<its address>'}:${GATEWAY_PORT}`
}

export function gateway(out: OverlayWriter, env: LabEnv, withGateway: boolean): OverlayParts {
  const parts: OverlayParts = { resources: [], patches: [], configMaps: [], secrets: [] }
  const weight = canaryWeight(env)
  if (!withGateway) {
    if (weight > 0)
      throw new Error(
        `CANARY_WEIGHT=${weight}: a canary needs the Gateway, and this cluster has no GatewayClass ${env.get('GATEWAY_CLASS')} (k8s/README.md)`,
      )
    return parts
  }
  parts.resources.push(out.relative(join(repoRoot, 'k8s/gateway')))
  parts.patches.push({
    apiVersion: API,
    kind: 'Gateway',
    metadata: { name: GATEWAY },
    spec: { gatewayClassName: env.get('GATEWAY_CLASS') },
  })
  if (weight === 0) return parts

  const set = replicaSet(ROOT_SET)
  const image = env.values.get('CANARY_IMAGE') || set.image
  // A more specific path than the main route's `/`: the Gateway matches it first.
  const route = {
    apiVersion: API,
    kind: 'HTTPRoute',
    metadata: { name: CANARY },
    spec: {
      parentRefs: [{ name: GATEWAY, sectionName: 'http' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: `${set.prefix}/api` } }],
          backendRefs: [
            { name: 'balancer', port: GATEWAY_CONTAINER_PORT, weight: 100 - weight },
            { name: CANARY, port: set.containerPort, weight },
          ],
        },
      ],
    },
  }
  out.write(
    'canary/canary.yaml',
    `${renderSet(env, set, { name: CANARY, image, replicas: 1 })}---\n${JSON.stringify(route, null, 2)}\n`,
  )
  const [key, value] = CANARY_SELECTOR.split('=')
  out.write(
    'canary/kustomization.yaml',
    `${JSON.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', labels: [{ pairs: { [key as string]: value } }], resources: ['canary.yaml'] }, null, 2)}\n`,
  )
  parts.resources.push('canary')
  return parts
}
