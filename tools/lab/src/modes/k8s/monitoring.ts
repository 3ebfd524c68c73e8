// The overlay's monitoring: Prometheus's config rendered by the same renderer as the other modes
// (each set's pods found through the Kubernetes API: prometheus-config.ts), its rules and
// Grafana's provisioning and dashboards copied from their folders, both reached from this
// machine on 127.0.0.1 as in the other modes (a host port each).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { k8sPrometheus, renderPrometheus } from '../../prometheus-config.ts'
import { kubectl, NAMESPACE } from './kubectl.ts'
import { hostPorts, type OverlayParts, type OverlayWriter } from './overlay-writer.ts'

/** Grafana's image, as its manifest names it (the lab's cluster leaves Grafana out without it). */
export const GRAFANA_IMAGE = /image: (\S+)/.exec(
  readFileSync(join(repoRoot, 'k8s/grafana/grafana.yaml'), 'utf8'),
)?.[1] as string

export function monitoring(out: OverlayWriter, env: LabEnv, withGrafana: boolean): OverlayParts {
  out.write('prometheus/prometheus.yml', renderPrometheus(k8sPrometheus(env, NAMESPACE)))
  const parts: OverlayParts = {
    resources: [],
    patches: [hostPorts('prometheus', 'prometheus', [['http', 9090, env.port('PROMETHEUS_PORT')]])],
    configMaps: [
      { name: 'prometheus-config', files: ['prometheus/prometheus.yml'] },
      { name: 'prometheus-rules', files: out.copy('prometheus/rules', 'prometheus/rules') },
    ],
    secrets: [],
  }
  if (!withGrafana) return parts
  parts.resources.push(out.relative(join(repoRoot, 'k8s/grafana')))
  parts.patches.push(hostPorts('grafana', 'grafana', [['http', 3000, env.port('GRAFANA_PORT')]]))
  parts.configMaps.push(
    {
      name: 'grafana-datasources',
      files: out.copy('grafana/provisioning/datasources', 'grafana/datasources'),
    },
    {
      name: 'grafana-dashboard-providers',
      files: out.copy('grafana/provisioning/dashboards', 'grafana/providers'),
    },
    { name: 'grafana-dashboards', files: out.copy('grafana/dashboards', 'grafana/dashboards') },
  )
  out.write('grafana-admin.env', `GRAFANA_ADMIN_PASSWORD=${env.get('GRAFANA_ADMIN_PASSWORD')}\n`, 0o600)
  parts.secrets.push({ name: 'grafana-admin', envs: ['grafana-admin.env'] })
  return parts
}

/**
 * Waits for Grafana's rollout: true when it is ready, false when the cluster's nodes cannot pull
 * its image (a cluster with no way to a registry; this machine's own, reached by a kubeconfig of
 * the user's). Grafana only shows what Prometheus holds: no request passes it, so its absence is
 * said by `up` rather than failing the lab after the whole wait.
 */
export async function grafanaReady(waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs
  while (Date.now() < until) {
    const rollout = await kubectl(['rollout', 'status', 'deployment/grafana', '--timeout=5s'], {
      timeoutMs: 30_000,
    })
    if (rollout.code === 0) return true
    // The back-off follows a pull that failed (a slow pull shows no reason): the kubelet has tried.
    const waiting = await kubectl(
      [
        'get',
        'pods',
        '-l',
        'app.kubernetes.io/name=grafana',
        '-o',
        'jsonpath={.items[*].status.containerStatuses[*].state.waiting.reason}',
      ],
      { timeoutMs: 30_000 },
    )
    if (/\b(ImagePullBackOff|InvalidImageName)\b/.test(waiting.stdout)) return false
  }
  throw new Error(
    `deployment/grafana: not ready within ${waitMs / 1000} s (kubectl -n ${NAMESPACE} describe pods -l app.kubernetes.io/name=grafana)`,
  )
}
