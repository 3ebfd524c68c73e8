// kubectl, for Kubernetes mode: the one on PATH (a user's own, for kind, k3d, minikube or a real
// cluster), else the lab cluster's own `kube kubectl` (k8s/cluster/build.sh). The cluster: the
// KUBECONFIG a user set, else the lab's own when it runs, else kubectl's default (~/.kube/config).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../paths.ts'
import { type Collected, collect, which } from '../../system.ts'

/** Where k8s/cluster/cluster.sh writes the lab cluster's admin kubeconfig. */
export const LAB_KUBECONFIG = '/run/lb-lab-k8s/pki/admin.kubeconfig'
/** The lab's namespace: everything of the lab is in it, and `make reset` deletes it. */
export const NAMESPACE = 'lb-lab'

/** Whether the cluster is the lab's own (then the lab copies its images in: no registry). */
export const labCluster = () => kubeconfig() === LAB_KUBECONFIG

function kubeconfig(): string | undefined {
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG
  return existsSync(LAB_KUBECONFIG) ? LAB_KUBECONFIG : undefined
}

let found: string[] | undefined
function command(): string[] {
  if (found) return found
  const onPath = which('kubectl')
  if (onPath) found = [onPath]
  else {
    const dir = execFileSync(join(repoRoot, 'k8s/cluster/build.sh'), ['--no-build'], {
      encoding: 'utf8',
    }).trim()
    const kube = join(dir, 'kube')
    if (!existsSync(kube))
      throw new Error(
        'no kubectl: install one for your cluster, or start the lab cluster (k8s/cluster/README.md), which builds its own',
      )
    found = [kube, 'kubectl']
  }
  return found
}

/**
 * kubectl with these arguments (in the lab's namespace unless they name one). `inherit`: its
 * output goes to this terminal (and `stdout` is empty). Bounded: a cluster that stops answering
 * fails the verb after `timeoutMs`, not never.
 */
export function kubectl(
  args: string[],
  { inherit = false, timeoutMs = 300_000 }: { inherit?: boolean; timeoutMs?: number } = {},
): Promise<Collected> {
  const [bin, ...pre] = command()
  const config = kubeconfig()
  const namespaced = args.some((a) => a === '-n' || a.startsWith('--namespace') || a === '-A')
  const full = [
    ...pre,
    ...(config ? ['--kubeconfig', config] : []),
    ...(namespaced ? [] : ['-n', NAMESPACE]),
    ...args,
  ]
  return collect(bin as string, full, { inherit, timeoutMs })
}

/** kubectl that must succeed: its stdout, or an error with what it said. */
export async function kubectlOk(args: string[], timeoutMs?: number): Promise<string> {
  const result = await kubectl(args, { timeoutMs })
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`)
  return result.stdout
}
