import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../paths.ts'

export const dotEnvPath = join(repoRoot, '.env')

/** The settings compose.yaml requires and never defaults: passwords and the session secret. */
export const isSecret = (key: string) => /PASSWORD|SECRET/.test(key)

/**
 * Docker mode needs a .env (compose.yaml takes every secret from it). Where there is none, this
 * writes one: .env.example with a fresh random value for each secret, never the example's.
 * Returns the names it generated, or [] when a .env was already there.
 */
export function ensureDotEnv(path = dotEnvPath): string[] {
  if (existsSync(path)) return []
  const generated: string[] = []
  const text = readFileSync(join(repoRoot, '.env.example'), 'utf8').replace(
    /^([A-Z][A-Z0-9_]*)=.*$/gm,
    (line, key: string) => {
      if (!isSecret(key)) return line
      generated.push(key)
      return `${key}=${randomBytes(24).toString('hex')}`
    },
  )
  const header = '# Written by `make up` (Docker mode) from .env.example, with freshly generated secrets.\n'
  writeFileSync(path, header + text, { mode: 0o600 })
  return generated
}
