import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../paths.ts'

export const dotEnvPath = join(repoRoot, '.env')

/** The settings compose.yaml requires and never defaults: passwords and the session secret. */
export const isSecret = (key: string) => /PASSWORD|SECRET/.test(key)

const freshSecret = () => randomBytes(24).toString('hex')
const SETTING = /^([A-Z][A-Z0-9_]*)=.*$/gm

/**
 * Docker mode needs a .env (compose.yaml takes every secret from it). Where there is none, this
 * writes one: .env.example with a fresh random value for each secret, never the example's. Where
 * there is one, it adds a fresh value for each secret of .env.example it lacks (one the lab gained
 * since it was written), and changes nothing else. Returns the names it generated.
 */
export function ensureDotEnv(path = dotEnvPath): string[] {
  const example = readFileSync(join(repoRoot, '.env.example'), 'utf8')
  const generated: string[] = []
  if (existsSync(path)) {
    const present = new Set([...readFileSync(path, 'utf8').matchAll(SETTING)].map((m) => m[1]))
    const missing = [...example.matchAll(SETTING)]
      .map((m) => m[1] as string)
      .filter((key) => isSecret(key) && !present.has(key))
    if (missing.length === 0) return []
    const lines = missing.map((key) => `${key}=${freshSecret()}`).join('\n')
    appendFileSync(
      path,
      `\n# Added by \`make up\`: secrets .env.example gained since this file was written.\n${lines}\n`,
    )
    return missing
  }
  const text = example.replace(SETTING, (line, key: string) => {
    if (!isSecret(key)) return line
    generated.push(key)
    return `${key}=${freshSecret()}`
  })
  const header = '# Written by `make up` (Docker mode) from .env.example, with freshly generated secrets.\n'
  writeFileSync(path, header + text, { mode: 0o600 })
  return generated
}
