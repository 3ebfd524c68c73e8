// Docker mode for a set declared under sets/: a second Compose file, written from the
// declarations SETS names, that compose.yaml is merged with. Each set is a service built from its
// folder's Dockerfile that extends compose.yaml's `app`: the same replica contract environment,
// networks, dependencies, logging and stop grace, at its own port and cookie, with its image's own
// HEALTHCHECK (the balancer and the config service wait for it, as for app and py).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot, stateRoot } from '../../paths.ts'
import type { ReplicaSetRow } from '../../sets/index.ts'
import { REPLICA_SETS } from '../../topology.ts'

export const overlayPath = join(stateRoot, 'docker', 'compose.sets.yaml')

/** The declared sets that run (SETS). */
export const declaredSets = (): ReplicaSetRow[] => Object.values(REPLICA_SETS).filter((set) => set.folder)

/** A variable as Compose interpolates it (from .env, or the environment the lab gives compose). */
const variable = (key: string) => `\${${key}}`

const healthy = (sets: ReplicaSetRow[]) =>
  Object.fromEntries(sets.map((set) => [set.name, { condition: 'service_healthy' }]))

/** The Compose file for `sets`, as YAML (JSON, but for the one tag JSON cannot say). */
export function renderOverlay(sets: ReplicaSetRow[]): string {
  const services: Record<string, unknown> = {}
  for (const set of sets) {
    services[set.name] = {
      extends: { file: join(repoRoot, 'compose.yaml'), service: 'app' },
      image: set.image,
      build: { context: set.folder, dockerfile: 'Dockerfile' },
      environment: { PORT: String(set.containerPort), SESSION_COOKIE_NAME: variable(set.cookieKey) },
      deploy: { replicas: variable(set.countKey) },
      healthcheck: '@RESET@',
    }
  }
  const counts = Object.fromEntries(sets.map((set) => [set.countKey, variable(set.countKey)]))
  services.config = {
    environment: { SETS: variable('SETS'), ...counts },
    depends_on: healthy(sets),
  }
  for (const balancer of ['nginx', 'haproxy']) services[balancer] = { depends_on: healthy(sets) }
  const json = JSON.stringify({ services }, null, 2)
  // `!reset`: the image's HEALTHCHECK, not the one `app` has (which runs node).
  return `# Written by the lab from sets/ (tools/lab/src/modes/docker/sets-overlay.ts); do not edit.\n${json.replaceAll('"@RESET@"', '!reset null')}\n`
}

/** Writes the overlay when a declared set runs: the extra `-f` arguments compose then needs. */
export function overlayArgs(): string[] {
  const sets = declaredSets()
  if (sets.length === 0) return []
  mkdirSync(join(stateRoot, 'docker'), { recursive: true })
  writeFileSync(overlayPath, renderOverlay(sets))
  return ['-f', join(repoRoot, 'compose.yaml'), '-f', overlayPath]
}
