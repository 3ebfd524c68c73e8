// The lab cluster's `kube` binary (k8s/cluster/build.sh builds it; this only finds it).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../../tools/lab/src/paths.ts'

export const KUBE = join(
  execFileSync(join(repoRoot, 'k8s/cluster/build.sh'), ['--no-build'], { encoding: 'utf8' }).trim(),
  'kube',
)
