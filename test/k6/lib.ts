// What the k6 suites share: k6 and the load-test runner as the lab runs them, and their reports.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { ENGINE, MODE } from '../lib/stack.ts'

const LAB = join(repoRoot, 'tools/lab/src/cli.ts')
mkdirSync(join(repoRoot, 'loadtests/results'), { recursive: true })
// Natively k6 is bin/k6 (make bin/k6 builds it with Go; make test says when it is missing), in
// Docker mode the k6 container of the loadtest profile.

/** Runs a command from the repository root; resolves with its exit code and output. */
export function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env } })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('exit', (code) => resolve({ code: code ?? 1, output }))
  })
}

/** k6 as `make loadtest` runs it: through the lab, so bin/k6 natively and the container in Docker mode. */
export const k6 = (script: string, ...env: string[]) =>
  run(process.execPath, [LAB, 'k6', 'run', '-q', ...env.flatMap((e) => ['-e', e]), join('loadtests', script)])
export const runner = (plan: string, ...args: string[]) =>
  run(process.execPath, ['loadtests/run.ts', plan, ...args])
/** The run's own report (the summary lines), as a diagnostic; Compose's progress lines left out. */
export const report = (output: string) =>
  output
    .split('\n')
    .filter((line) => line && !/^(time=|run:| Container )/.test(line))
    .join('\n')
/** Keeps a run's report for the end of `make test`, which shows each mode's figures side by side. */
export const keep = (name: string, output: string) =>
  writeFileSync(
    join(
      repoRoot,
      'loadtests/results',
      `report-${MODE}${ENGINE === 'nginx' ? '' : `-${ENGINE}`}-${name}.txt`,
    ),
    `${report(output)}\n`,
  )
