// The Kubernetes part of `make test`: the lab's own cluster (k8s/cluster), built and started by
// the project's scripts on this machine, its images taken from the Docker engine the Docker part
// used; the lab brought up on it (`lab up`, MODE=k8s: the same verb a person runs), the cluster
// and Kubernetes-mode suites run against it, the lab reset, and the cluster stopped: `stop`
// fails if it left anything behind.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'
import { capture, nodeTests, sh } from './parts.ts'
import type { Recorder } from './recorder.ts'

const CLUSTER = join(repoRoot, 'k8s/cluster/cluster.sh')
const LAB = join(repoRoot, 'tools/lab/src/cli.ts')
/** What the suites run in the cluster besides its own images: Docker mode's Node image. */
const SUITE_IMAGES = ['node:24.21.0-bookworm-slim']
/**
 * HAProxy in nginx's place on the same lab (`lab up` with LB_ENGINE=haproxy: the balancer's pod
 * made again), then the lab's stories again: what the engine changes here is how it follows the
 * pods (a server-template on the cluster's DNS) and how it takes the client from the Gateway.
 * The canary is the Gateway's own work, so it runs once. (The rolling update under k6 is not
 * among them: two runs in eleven here once lost one request each, a read answered 500 by a
 * TypeScript replica itself; ten runs later with every pod's log followed lost none, and the
 * cause is still unknown: issue 26.)
 */
const HAPROXY_STEPS = ['k8s haproxy: up', 'k8s: as your own cluster', 'k8s haproxy: suites']
const HAPROXY_SUITES = ['test/k8s/lab.test.ts', 'test/k8s/gateway.test.ts']
/** It runs on the Docker engine's images: SKIP=docker leaves it out too. */
const TAGS = ['docker', 'k8s']

/** `docker`: the Docker part's environment (its DOCKER_HOST), or undefined when it had no engine. */
export async function kubernetesPart(
  recorder: Recorder,
  docker: Record<string, string> | undefined,
): Promise<void> {
  const later = ['k8s: up', 'k8s: suites', ...HAPROXY_STEPS, 'k8s: reset', 'k8s: stop']
  if (!docker)
    return recorder.blocked(['k8s: cluster', ...later], TAGS, 'no Docker engine to take images from')
  let cluster: Record<string, string> = {}
  let started = false
  const up = await recorder.step(
    'k8s: cluster',
    TAGS,
    async () => {
      started = true
      const start = await capture(CLUSTER, ['start'], docker)
      cluster = { ...docker, KUBECONFIG: start.stdout.split('\n').at(-1) ?? '', MODE: 'k8s' }
      if (start.code !== 0) return start.code
      return sh(CLUSTER, ['load', ...SUITE_IMAGES], docker)
    },
    async () => {
      const check = await capture(CLUSTER, ['check'])
      return check.code === 0 ? undefined : check.stderr || `k8s/cluster/cluster.sh check: exit ${check.code}`
    },
  )
  // A .env `up` writes (fresh secrets) must not outlive this part, as the Docker part's does not.
  const wroteEnv = !existsSync(join(repoRoot, '.env'))
  try {
    const lab = up && (await recorder.step('k8s: up', TAGS, () => sh(process.execPath, [LAB, 'up'], cluster)))
    if (lab) {
      await recorder.step('k8s: suites', TAGS, () => nodeTests('k8s', ['test/k8s/*.test.ts'], cluster))
      const haproxy = { ...cluster, LB_ENGINE: 'haproxy' }
      // The same cluster through a kubeconfig of another path is, to the lab, a user's own (kind's,
      // k3d's): `up` builds and loads nothing (the images are there, as `kind load` leaves them) and
      // applies Grafana, whose image this machine has not; HAProxy's suites then run through it.
      const own = { ...haproxy, KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'lb-lab-own-')), 'config') }
      if (!(await recorder.step('k8s haproxy: up', TAGS, () => sh(process.execPath, [LAB, 'up'], haproxy))))
        await recorder.blocked(HAPROXY_STEPS.slice(1), TAGS, 'the lab did not come up with HAProxy')
      else if (
        !(await recorder.step('k8s: as your own cluster', TAGS, () => {
          copyFileSync(cluster.KUBECONFIG as string, own.KUBECONFIG)
          return sh(process.execPath, [LAB, 'up'], own)
        }))
      )
        await recorder.blocked(
          ['k8s haproxy: suites'],
          TAGS,
          'the lab did not come up as on your own cluster',
        )
      else
        await recorder.step('k8s haproxy: suites', TAGS, () => nodeTests('k8s-haproxy', HAPROXY_SUITES, own))
      rmSync(dirname(own.KUBECONFIG), { recursive: true, force: true })
    } else
      await recorder.blocked(
        ['k8s: suites', ...HAPROXY_STEPS],
        TAGS,
        up ? 'the lab did not come up' : 'the cluster did not start',
      )
    if (up) await recorder.step('k8s: reset', TAGS, () => sh(process.execPath, [LAB, 'reset'], cluster))
    else await recorder.blocked(['k8s: reset'], TAGS, 'the cluster did not start')
  } finally {
    if (wroteEnv && !recorder.plan) rmSync(join(repoRoot, '.env'), { force: true })
    if (started) await recorder.step('k8s: stop', TAGS, () => sh(CLUSTER, ['stop']))
    else if (recorder.plan) await recorder.step('k8s: stop', TAGS, async () => 0)
  }
}
