import { accessSync, constants } from 'node:fs'
import { which } from '../../tools/lab/src/system.ts'

/** The browser the browser suite drives: CHROMIUM when set, else Debian's chromium on PATH. */
export function chromium(): { path: string; missing?: undefined } | { path?: undefined; missing: string } {
  const named = process.env.CHROMIUM
  if (named) {
    try {
      accessSync(named, constants.X_OK)
      return { path: named }
    } catch {
      return { missing: `chromium is not available: CHROMIUM=${named} is not an executable` }
    }
  }
  const found = which('chromium')
  return found
    ? { path: found }
    : { missing: "chromium is not installed (make browser installs Debian's, as root; or set CHROMIUM)" }
}
