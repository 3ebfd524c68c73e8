// `make test`: every part of the suite in order, each timed, and a closing table that names every
// part that did not run and why. Nothing is passed over in silence: a part whose prerequisite is
// missing (no chromium, no Docker engine) fails the run unless the person asked to leave it out
// (SKIP=docker,browser,k6), and under CI=true nothing may be left out at all. A test that skips
// itself counts as a part not run.
//   node test/run.ts [all | native | docker | plan]   (plan: what would run, and exits as the run would)
import { join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'
import { dockerPart, nativePart, sh } from './parts.ts'
import { Recorder, skipRequest } from './recorder.ts'

const NODE = join(repoRoot, 'node_modules/.bin/node')

async function main(what: string): Promise<number> {
  const ci = process.env.CI === 'true'
  const skip = skipRequest(process.env.SKIP)
  const recorder = new Recorder(ci, skip)
  if (!['all', 'native', 'docker', 'plan'].includes(what)) {
    console.error('usage: node test/run.ts [all | native | docker | plan]')
    return 2
  }
  if (what === 'plan') {
    recorder.plan = true
    await nativePart(recorder)
    await dockerPart(recorder)
    return recorder.finish()
  }
  if (what === 'all') {
    // Lint and types first: a run that cannot pass them is not worth a stack.
    await recorder.step('lint', [], async () => sh('make', ['-s', '--no-print-directory', 'lint']))
    await recorder.step('typecheck', [], async () => sh('make', ['-s', '--no-print-directory', 'typecheck']))
    // The tools the suites need; what one leaves missing, the part that needs it reports.
    await recorder.step('tools', [], async () =>
      sh('make', [
        '-s',
        '--no-print-directory',
        'bin/compose-check',
        'bin/k6',
        'py-venv',
        'k8s-validate',
        'browser',
      ]),
    )
  }
  if (what !== 'docker') await nativePart(recorder)
  if (what !== 'native') await dockerPart(recorder)
  if (what === 'all') await sh(NODE, [join(repoRoot, 'test/summary.ts')])
  return recorder.finish()
}

process.exitCode = await main(process.argv[2] ?? 'all').catch((err: Error) => {
  console.error(`test: ${err.stack ?? err.message}`)
  return 1
})
