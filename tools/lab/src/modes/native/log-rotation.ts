// Native mode's log cap, the same as Docker mode's json-file driver (compose.yaml's x-logging):
// at most LOG_FILES files of LOG_MAX_SIZE per log. Rotation copies, then truncates in place
// ("copytruncate"): every service writes its log through a descriptor opened for appending
// (the lab's for standard output, nginx's own for access.log), so after the truncation its next
// write lands at the new end, and no service needs a signal to reopen anything. The price: lines
// written between the copy and the truncation are lost (microseconds, on a busy log).
import { copyFileSync, existsSync, readdirSync, renameSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'

/** Files kept per log, the current one included (compose.yaml's max-file). */
export const LOG_FILES = 3

/** Every log under the state folder: <state>/<service>/log/*.log. */
export function logsUnder(stateRoot: string): string[] {
  if (!existsSync(stateRoot)) return []
  return readdirSync(stateRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join(stateRoot, entry.name, 'log')
      if (!existsSync(dir)) return []
      return readdirSync(dir)
        .filter((name) => name.endsWith('.log'))
        .map((name) => join(dir, name))
    })
}

/** Rotates `file` when it has grown past `maxBytes`: file.1 is the newest old part. True if it did. */
export function rotateIfOver(file: string, maxBytes: number): boolean {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return false // gone meanwhile (a reset)
  }
  if (size <= maxBytes) return false
  for (let i = LOG_FILES - 1; i > 1; i--) {
    if (existsSync(`${file}.${i - 1}`)) renameSync(`${file}.${i - 1}`, `${file}.${i}`)
  }
  copyFileSync(file, `${file}.1`)
  truncateSync(file, 0)
  return true
}

/** A size as Docker's json-file driver takes it (10m, 512k, 1g; plain bytes without a unit). */
export function parseSize(value: string): number {
  const match = /^(\d+)([kmg])?(i?b)?$/i.exec(value.trim())
  if (!match || Number(match[1]) === 0) throw new Error(`${value} is not a size (e.g. 10m, 512k, 1g)`)
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1
  return Number(match[1]) * unit
}
