import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/**
 * Fills ${NAME} placeholders (uppercase names only, so nginx's own $variables pass through).
 * Unlike envsubst, an unknown name is an error: a typo must not render as an empty string.
 */
export function renderTemplate(
  template: string,
  vars: Record<string, string | number>,
  source: string,
): string {
  const missing = new Set<string>()
  const text = template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_match, name: string) => {
    const value = vars[name]
    if (value === undefined) {
      missing.add(name)
      return ''
    }
    return String(value)
  })
  if (missing.size > 0) throw new Error(`${source}: no value for ${[...missing].join(', ')}`)
  return text
}

export function renderFile(path: string, vars: Record<string, string | number>): string {
  return renderTemplate(readFileSync(path, 'utf8'), vars, path)
}

/** A short fingerprint of what a config would render to, ignoring the fingerprint itself. */
export function fingerprint(...parts: string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest('hex').slice(0, 12)
}
