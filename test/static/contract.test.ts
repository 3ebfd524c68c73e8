import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')

describe('the two replicas keep one contract', () => {
  it('count visits with the same Lua script, word for word', () => {
    const typescript = /const INCREMENT_ONCE = `\n([\s\S]*?)`/.exec(
      read('services/app/src/routes/visits.ts'),
    )?.[1]
    const python = read('services/py-sample/lbsample/visits.lua')
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
    assert.ok(typescript, 'INCREMENT_ONCE not found in visits.ts')
    assert.equal(python.trim(), typescript.trim())
  })
})
