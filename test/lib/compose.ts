import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { repoRoot } from '../../tools/lab/src/paths.ts'

const run = promisify(execFile)
export const COMPOSE_FILE = join(repoRoot, 'compose.yaml')
export const composeText = () => readFileSync(COMPOSE_FILE, 'utf8')
/** compose.yaml as written (variables not yet interpolated). */
// biome-ignore lint/suspicious/noExplicitAny: YAML document
export const composeRaw = (): any => parse(composeText(), { merge: true })

/** Compose's own loader (bin/compose-check, built by make): the resolved project, or its error. */
export async function composeProject(
  envFile = join(repoRoot, '.env.example'),
  more: string[] = [],
  // biome-ignore lint/suspicious/noExplicitAny: Compose project JSON
): Promise<any> {
  const { stdout } = await run(
    join(repoRoot, 'bin/compose-check'),
    ['-env-file', envFile, COMPOSE_FILE, ...more],
    {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    },
  )
  return JSON.parse(stdout)
}
