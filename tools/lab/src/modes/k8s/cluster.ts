// What the lab asks the cluster before it renders: where its DNS is, which addresses the pods
// have (the replicas trust the balancer's X-Forwarded-For from there), and where this machine's
// clients come from as the balancer sees them.
import type { ClusterFacts } from '../../engines/placement.ts'
import { LOCALHOST } from '../../topology.ts'
import { kubectlOk } from './kubectl.ts'

/** Kubernetes' default DNS domain; a cluster made with another one says so in its kubelet config. */
const CLUSTER_DOMAIN = 'cluster.local'

export type Cluster = ClusterFacts

export async function askCluster(): Promise<Cluster> {
  const dns = (
    await kubectlOk(['get', 'service', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}'])
  ).trim()
  if (!dns) throw new Error('the cluster has no kube-system/kube-dns Service: the balancer needs its DNS')
  const nodes = JSON.parse(await kubectlOk(['get', 'nodes', '-o', 'json'])) as {
    items: { spec: { podCIDRs?: string[] }; status: { addresses: { type: string; address: string }[] } }[]
  }
  const podCidrs = nodes.items.flatMap((node) => node.spec.podCIDRs ?? [])
  if (podCidrs.length === 0)
    throw new Error("the cluster's nodes name no podCIDR: the replicas could not tell the balancer's pods")
  const nodeIps = nodes.items.flatMap((node) =>
    node.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address),
  )
  // A host port reached from the node itself arrives from the node's own address (the CNI's
  // masquerade); `kubectl port-forward` from the pod's loopback.
  return { dns, domain: CLUSTER_DOMAIN, clients: [LOCALHOST, ...nodeIps], podCidrs }
}
