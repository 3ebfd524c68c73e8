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

  it('read the same variables', () => {
    // Every variable the TypeScript config declares is one the Python config reads, and back.
    const typescript = [...read('services/app/src/config.ts').matchAll(/^ {2}([A-Z_]+): Type\./gm)].map(
      ([, n]) => n,
    )
    const python = [...read('services/py-sample/lbsample/config.py').matchAll(/^ {4}"([A-Z_]+)": \(/gm)].map(
      ([, n]) => n,
    )
    assert.deepEqual([...python].sort(), [...typescript].sort())
  })
})
