// Docker mode keeps its secrets in .env (compose.yaml takes them from nowhere else), and Postgres
// and Redis keep the passwords their data was first made with. Natively the lab applies changed
// passwords itself (test/lab/lifecycle.test.ts), so this story is Docker mode's alone.
import assert from 'node:assert/strict'
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { BASE, lab, MODE } from '../lib/stack.ts'

const dotEnv = join(repoRoot, '.env')

if (MODE === 'docker') {
  describe('Docker mode: the .env its data was made with', () => {
    it('refuses `up` without it, rather than fresh secrets that lock every replica out, and changes nothing', async () => {
      const running = async () => ({
        ps: (await lab(['ps'])).split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' ')),
        whoami: (await fetch(`${BASE}/api/whoami`)).status,
      })
      const before = await running()
      const aside = `${dotEnv}.aside-${process.pid}`
      renameSync(dotEnv, aside)
      try {
        await assert.rejects(
          lab(['up'], { MODE: 'docker' }),
          /there is no \.env, but the lab's Docker volumes are still here[\s\S]*make reset/,
        )
        assert.equal(existsSync(dotEnv), false, 'no .env of fresh secrets written')
      } finally {
        renameSync(aside, dotEnv)
      }
      assert.deepEqual(await running(), before)
      assert.equal(before.whoami, 200)
    })
  })
}
