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

interface Autoscaler {
  spec: {
    minReplicas: number
    maxReplicas: number
    metrics: { resource: { target: { averageUtilization: number } } }[]
  }
  status: {
    currentReplicas?: number
    desiredReplicas?: number
    currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[] | null
  }
}

/**
 * Waits until the set's autoscaler rests: at its floor, and seeing the CPU under its target, so
 * that no scale-out is on its way. The suites before one that counts pods leave load behind, and
 * the autoscaler acts on it up to half a minute late (CI run 51: a py pod's replacement took 85 s
 * to count, the set grown and shrunk meanwhile; 9 s the run before). Resolves with the seconds it
 * waited; rejects after `timeoutMs` with what the autoscaler said last.
 */
export async function autoscalerAtRest(set: string, timeoutMs = 120_000): Promise<number> {
  const started = performance.now()
  let last = 'nothing'
  while (performance.now() - started < timeoutMs) {
    const hpa = JSON.parse(await kubectlOk(['get', 'hpa', set, '-o', 'json'])) as Autoscaler
    const { currentReplicas: current, desiredReplicas: desired } = hpa.status
    const cpu = hpa.status.currentMetrics?.[0]?.resource?.current?.averageUtilization
    const target = hpa.spec.metrics[0]?.resource.target.averageUtilization ?? 0
    last = `${current} pods, ${desired} wanted (floor ${hpa.spec.minReplicas}), CPU ${cpu ?? '?'}% of a ${target}% target`
    if (current === hpa.spec.minReplicas && desired === current && cpu !== undefined && cpu < target)
      return (performance.now() - started) / 1000
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`${set}'s autoscaler not at rest within ${timeoutMs / 1000} s: ${last}`)
}

/**
 * Holds the sets' autoscalers at their floors (each ceiling lowered to it, once each rests
 * there) until `release`. For a story that is not the autoscaler's: a rolling update's own load
 * lifts the CPU past the target, and three pods more booting at once mid-rollout took this
 * machine's two cores from everything (on the user's-cluster check: the py set went 3 to 6
 * during its rollout, and 3 requests waited over a second for a Postgres connection, 503; the app
 * set, not the one rolled, went 3 to 6 meanwhile too). Scale-out under load is
 * autoscale.test.ts's story. (Interrupted, the ceilings stay lowered until the next `make up`
 * applies the manifests again.) `rested`: the seconds the autoscalers took to rest.
 */
export async function holdAutoscalers(
  sets: readonly string[],
): Promise<{ rested: number; release: () => Promise<void> }> {
  let rested = 0
  for (const set of sets) rested += await autoscalerAtRest(set)
  const ceilings = new Map<string, number>()
  const ceiling = (set: string, max: number) =>
    kubectlOk(['patch', 'hpa', set, '--type=merge', '-p', JSON.stringify({ spec: { maxReplicas: max } })])
  const release = async () => {
    for (const [set, max] of ceilings) await ceiling(set, max)
  }
  try {
    for (const set of sets) {
      const hpa = JSON.parse(await kubectlOk(['get', 'hpa', set, '-o', 'json'])) as Autoscaler
      ceilings.set(set, hpa.spec.maxReplicas)
      await ceiling(set, hpa.spec.minReplicas)
    }
  } catch (err) {
    await release()
    throw err
  }
  return { rested, release }
}
