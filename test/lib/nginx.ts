// nginx's config as a run mode would lay it out, in a scratch folder: for the tests that render
// it with placements of their own and test it (or run it) with the machine's nginx.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { nginxEngine } from '../../tools/lab/src/engines/nginx/index.ts'
import type { Placement } from '../../tools/lab/src/engines/placement.ts'
import type { LabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { ensureDevCertificate } from '../../tools/lab/src/tls.ts'

/** Renders for `placement` (its confDir is `dir`) into `dir`, as the lab would; the rendered files. */
export async function stageNginx(
  dir: string,
  env: LabEnv,
  placement: Placement,
): Promise<Map<string, string>> {
  const { files } = nginxEngine.render(env, placement)
  for (const [name, content] of files) writeFileSync(join(dir, name), content)
  for (const shared of nginxEngine.sharedDirs) symlinkSync(join(repoRoot, 'nginx', shared), join(dir, shared))
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  await ensureDevCertificate(join(dir, 'tls'))
  return files
}
