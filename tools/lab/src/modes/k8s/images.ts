// The lab's own cluster has no registry to pull from: its images come from this machine's Docker
// engine (k8s/cluster/cluster.sh load; one containerd already holds is skipped), the replica
// sets' built there by Compose as Docker mode builds them. Which images: every one the rendered
// manifests name. On your own cluster, load them its way (kind load docker-image ..., minikube
// image load ...).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../../paths.ts'
import { SET_NAMES } from '../../topology.ts'
import { ComposeStack } from '../docker/compose.ts'
import { kubectlOk } from './kubectl.ts'

/** The replica sets' images, from this checkout (a Compose service per set, as in Docker mode). */
export const buildSetImages = () => new ComposeStack().run(['build', '--quiet', ...SET_NAMES])

export async function imagesOf(overlay: string): Promise<string[]> {
  const manifests = await kubectlOk(['kustomize', overlay])
  return [
    ...new Set([...manifests.matchAll(/^\s*image: "?([^"\s]+)"?$/gm)].map((m) => m[1] as string)),
  ].sort()
}

/** True when this machine's Docker engine has the image, or pulls it. */
export async function haveImage(image: string): Promise<boolean> {
  const docker = (args: string[], timeout: number) =>
    new Promise<boolean>((resolve) =>
      spawn('docker', args, { stdio: 'ignore', timeout }).on('close', (code) => resolve(code === 0)),
    )
  return (
    (await docker(['image', 'inspect', image], 30_000)) || (await docker(['pull', '--quiet', image], 120_000))
  )
}

/** k8s/cluster/cluster.sh with these arguments (load IMAGE..., volumes); rejects if it fails. */
export async function clusterScript(args: string[]): Promise<void> {
  const script = spawn(join(repoRoot, 'k8s/cluster/cluster.sh'), args, { stdio: 'inherit' })
  const code = await new Promise<number>((resolve) => script.on('close', (c) => resolve(c ?? 1)))
  if (code !== 0)
    throw new Error(
      `k8s/cluster/cluster.sh ${args[0]}: exit ${code}${args[0] === 'load' ? ': the images come from Docker mode (make up MODE=docker) or make images' : ''}`,
    )
}
