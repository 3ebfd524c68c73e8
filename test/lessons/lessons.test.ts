// The workshop, run as a student would: for each lesson (lessons/NN-name/, found as the lab finds
// them), begin it, type every shell block of its page's Steps, then its Checkpoint's (which must
// pass), then Put it back's. Before the steps, the same checkpoint must fail: it reads what the
// student did, so with nothing done there is nothing to see. The lessons cannot rot. In Docker
// mode, the lessons whose checkpoint names it (`alsoIn`).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { checkpointOf, lessons, shellBlocks } from '../../tools/lab/src/workshop/lessons.ts'
import { backAtBaseline, startsFromBaseline } from '../lib/baseline.ts'
import { lab, MODE } from '../lib/stack.ts'

const execFileAsync = promisify(execFile)

/** A page's block as a student's shell runs it, in the repository, in this suite's mode. */
async function type(block: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('bash', ['-ec', block], {
      cwd: repoRoot,
      env: { ...process.env, MODE },
      timeout: 240_000,
    })
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const { code, stdout = '', stderr = '' } = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof code === 'number' ? code : 1, out: stdout + stderr }
  }
}

// Every lesson natively; in another mode, the ones whose steps cross that mode's own verbs.
const here = (
  await Promise.all(
    lessons().map(async (lesson) =>
      MODE === 'native' || ((await checkpointOf(lesson)).alsoIn ?? []).includes(MODE) ? [lesson] : [],
    ),
  )
).flat()

describe('the workshop', () => {
  startsFromBaseline()
  // A lesson that failed half-way left its switch on: the stack as .env.example sets it up again.
  after(async () => {
    await type(
      'make -s up && make -s scale n=3 && for r in app1 app2 app3; do make -s fault s=$r clear; done',
    )
  })

  for (const lesson of here) {
    it(`lesson ${lesson.n}, ${lesson.title}: its steps reach its checkpoint, which nothing else reaches`, async (t) => {
      await lab(['lesson', String(lesson.n)])
      const early = await type(`make -s check n=${lesson.n}`)
      assert.notEqual(early.code, 0, `the checkpoint passed before any step:\n${early.out}`)
      t.diagnostic(`before the steps: ${early.out.split('\n').find((line) => line.startsWith('✗'))}`)

      for (const block of shellBlocks(lesson.page, 'Steps')) {
        const { code, out } = await type(block)
        assert.equal(code, 0, `${block}\n${out}`)
      }
      const checkpoint = shellBlocks(lesson.page, 'Checkpoint')
      assert.deepEqual(checkpoint, [`make check n=${lesson.n}`])
      const { code, out } = await type(checkpoint[0] as string)
      t.diagnostic(out.trim())
      assert.equal(code, 0, out)
      for (const block of shellBlocks(lesson.page, 'Put it back')) {
        const put = await type(block)
        assert.equal(put.code, 0, `${block}\n${put.out}`)
      }
      // The next lesson starts where this one began.
      await backAtBaseline('Put it back left the stack changed')
    })
  }
})
