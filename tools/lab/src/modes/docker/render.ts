import { chmodSync, chownSync, cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { engineOf } from '../../engines/index.ts'
import { dockerPlacement } from '../../engines/placement.ts'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { dockerPrometheus, renderPrometheus } from '../../prometheus-config.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../tls.ts'
import { dockerReplicas } from './replicas.ts'

/**
 * The group HAProxy's official image runs as (its Dockerfile's `groupadd --gid 99 haproxy`):
 * nginx's master reads the TLS key as root, HAProxy as this group.
 */
const HAPROXY_IMAGE_GID = 99

/**
 * Docker mode's half of "one set of templates": the compose `config` service runs this (`lab
 * render /rendered`) into the volumes the balancer (LB_ENGINE's) and Prometheus mount. Same
 * templates and renderer as native mode; only the placements (addresses, paths) differ.
 */
export async function renderForDocker(
  env: LabEnv,
  out: string,
): Promise<{ written: string[]; version: string; unknown: string[] }> {
  const engine = engineOf(env)
  const balancerDir = join(out, 'balancer')
  mkdirSync(balancerDir, { recursive: true })
  const { replicas, unknown } = await dockerReplicas(env, join(balancerDir, 'replicas.json'))
  const { files, version } = engine.render(
    env,
    dockerPlacement(env, replicas, ensureSyslogTag(join(balancerDir, 'tls'))),
  )
  for (const [name, content] of files) writeFileSync(join(balancerDir, name), content)
  // Natively these are symlinks into the repository; a volume gets copies, refreshed on each up.
  for (const shared of engine.sharedDirs) {
    cpSync(join(repoRoot, engine.name, shared), join(balancerDir, shared), { recursive: true, force: true })
  }
  const tls = join(balancerDir, 'tls')
  await ensureDevCertificate(tls)
  for (const [path, mode] of [
    [tls, 0o750],
    [join(tls, 'key.pem'), 0o640],
  ] as const) {
    chownSync(path, 0, HAPROXY_IMAGE_GID)
    chmodSync(path, mode)
  }

  const prometheusDir = join(out, 'prometheus')
  mkdirSync(prometheusDir, { recursive: true })
  writeFileSync(join(prometheusDir, 'prometheus.yml'), renderPrometheus(dockerPrometheus(env, replicas)))
  const written = [...files.keys()]
    .map((f) => join(balancerDir, f))
    .concat(join(prometheusDir, 'prometheus.yml'))
  return { written, version, unknown }
}
