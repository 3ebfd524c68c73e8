import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dockerPlacement } from '../../engines/nginx/config.ts'
import { nginxEngine } from '../../engines/nginx/index.ts'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { dockerPrometheus, renderPrometheus } from '../../prometheus-config.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../tls.ts'
import { dockerReplicas } from './replicas.ts'

/**
 * Docker mode's half of "one set of templates": the compose `config` service runs this (`lab
 * render /rendered`) into the volumes nginx and Prometheus mount. Same templates and renderer as
 * native mode; only the placements (addresses, paths) differ.
 */
export async function renderForDocker(
  env: LabEnv,
  out: string,
): Promise<{ written: string[]; version: string; unknown: string[] }> {
  const nginxDir = join(out, 'nginx')
  mkdirSync(nginxDir, { recursive: true })
  const { replicas, unknown } = await dockerReplicas(env, join(nginxDir, 'replicas.json'))
  const { files, version } = nginxEngine.render(
    env,
    dockerPlacement(env, replicas, ensureSyslogTag(join(nginxDir, 'tls'))),
  )
  for (const [name, content] of files) writeFileSync(join(nginxDir, name), content)
  // Natively these are symlinks into the repository; a volume gets copies, refreshed on each up.
  for (const shared of nginxEngine.sharedDirs) {
    cpSync(join(repoRoot, nginxEngine.name, shared), join(nginxDir, shared), { recursive: true, force: true })
  }
  await ensureDevCertificate(join(nginxDir, 'tls'))

  const prometheusDir = join(out, 'prometheus')
  mkdirSync(prometheusDir, { recursive: true })
  writeFileSync(join(prometheusDir, 'prometheus.yml'), renderPrometheus(dockerPrometheus(replicas)))
  const written = [...files.keys()]
    .map((f) => join(nginxDir, f))
    .concat(join(prometheusDir, 'prometheus.yml'))
  return { written, version, unknown }
}
