// The Kubernetes part of `make test`: the lab's own cluster (k8s/cluster), built and started by
// the project's scripts on this machine, its images taken from the Docker engine the Docker part
// used, the cluster suites run against it, and stopped: `stop` fails if it left anything behind.
import { join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'
import { capture, nodeTests, sh } from './parts.ts'
import type { Recorder } from './recorder.ts'

const CLUSTER = join(repoRoot, 'k8s/cluster/cluster.sh')
/** What the suites run in the cluster besides its own images: Docker mode's Node image. */
const SUITE_IMAGES = ['node:24.21.0-bookworm-slim']
/** It runs on the Docker engine's images: SKIP=docker leaves it out too. */
const TAGS = ['docker', 'k8s']

/** `docker`: the Docker part's environment (its DOCKER_HOST), or undefined when it had no engine. */
export async function kubernetesPart(
  recorder: Recorder,
  docker: Record<string, string> | undefined,
): Promise<void> {
  const suites = ['k8s: suites', 'k8s: stop']
  if (!docker)
    return recorder.blocked(['k8s: cluster', ...suites], TAGS, 'no Docker engine to take images from')
  let kubeconfig = ''
  let started = false
  const up = await recorder.step(
    'k8s: cluster',
    TAGS,
    async () => {
      started = true
      const start = await capture(CLUSTER, ['start'], docker)
      kubeconfig = start.stdout.split('\n').at(-1) ?? ''
      if (start.code !== 0) return start.code
      return sh(CLUSTER, ['load', ...SUITE_IMAGES], docker)
    },
    async () => {
      const check = await capture(CLUSTER, ['check'])
      return check.code === 0 ? undefined : check.stderr || `k8s/cluster/cluster.sh check: exit ${check.code}`
    },
  )
  try {
    if (up)
      await recorder.step('k8s: suites', TAGS, () =>
        nodeTests('k8s', ['test/k8s/*.test.ts'], { KUBECONFIG: kubeconfig }),
      )
    else await recorder.blocked(['k8s: suites'], TAGS, 'the cluster did not start')
  } finally {
    if (started) await recorder.step('k8s: stop', TAGS, () => sh(CLUSTER, ['stop']))
    else if (recorder.plan) await recorder.step('k8s: stop', TAGS, async () => 0)
  }
}
