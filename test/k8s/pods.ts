// A replica set's pods as Kubernetes lists them: what the suites of test/k8s compare against.
import { kubectlOk } from '../../tools/lab/src/modes/k8s/kubectl.ts'

interface Pod {
  metadata: { name: string; deletionTimestamp?: string }
  status: { conditions?: { type: string; status: string }[] }
}

/** The set's pods that are ready and not being deleted, by name. */
export async function pods(set: string): Promise<string[]> {
  const list = JSON.parse(
    await kubectlOk(['get', 'pods', '-l', `app.kubernetes.io/name=${set}`, '-o', 'json']),
  )
  return (list.items as Pod[])
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .filter((pod) => pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((pod) => pod.metadata.name)
    .sort()
}

/**
 * The probes that failed since `since` (the kubelet's Unhealthy events): a pod taken out of its
 * Service for an answer too slow leaves the balancer's rotation (every pod out at once: 502s) and
 * comes back through its health checks and slow start, skewing the shares meanwhile.
 */
export async function probeFailures(since: Date): Promise<string[]> {
  const out = await kubectlOk([
    'get',
    'events',
    '--field-selector=reason=Unhealthy',
    '-o',
    'jsonpath={range .items[*]}{.lastTimestamp} {.involvedObject.name}: {.message}{"\\n"}{end}',
  ]).catch((err) => String(err))
  return out.split('\n').filter((line) => line && new Date(line.split(' ')[0] as string) >= since)
}
