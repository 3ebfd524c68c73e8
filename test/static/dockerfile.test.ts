import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'

// hadolint is not packaged for Debian 12, so the rules a Dockerfile linter would enforce for this
// image are written down here.
const dockerfile = readFileSync(join(repoRoot, 'services/app/Dockerfile'), 'utf8')
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
const finalStage = instructions.slice(instructions.findLastIndex((line) => line.startsWith('FROM ')))

describe('services/app/Dockerfile', () => {
  it('is multi-stage, with base images pinned to a version', () => {
    const froms = instructions.filter((line) => line.startsWith('FROM '))
    assert.ok(froms.length >= 2)
    for (const from of froms) assert.match(from, /^FROM [\w./-]+:\d+\.\d+\.\d+[\w.-]*( AS \w+)?$/)
  })

  it('runs the final image as a non-root user, in production mode, with production dependencies only', () => {
    const user = finalStage.filter((line) => line.startsWith('USER ')).at(-1)
    assert.ok(user && !/USER (root|0)\b/.test(user), String(user))
    assert.ok(finalStage.includes('ENV NODE_ENV=production'))
    assert.ok(instructions.some((line) => /npm ci .*--omit=dev/.test(line)))
  })

  it('starts node directly, never npm, and checks its own health', () => {
    const cmd = finalStage.filter((line) => line.startsWith('CMD ')).at(-1) ?? ''
    assert.match(cmd, /^CMD \["node", /)
    assert.ok(finalStage.some((line) => line.startsWith('HEALTHCHECK ') && line.includes('/health')))
  })

  it('keeps secrets, state and dependencies out of the build context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['**/node_modules', '.env', '.lab', '.git']) assert.ok(ignored.includes(entry), entry)
  })
})

describe('services/py-sample/Dockerfile', () => {
  const sample = join(repoRoot, 'services/py-sample')
  const lines = readFileSync(join(sample, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))

  it('builds on an official slim Python image pinned to a version, from pinned requirements', () => {
    const froms = lines.filter((line) => line.startsWith('FROM '))
    assert.deepEqual(froms, froms.length ? [froms[0]] : ['FROM missing'])
    assert.match(froms[0] ?? '', /^FROM python:\d+\.\d+\.\d+-slim-[a-z]+$/)
    const requirements = readFileSync(join(sample, 'requirements.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
    assert.ok(requirements.length > 5)
    // One version each, for some only on some Pythons (tests/test_requirements.py checks the rest).
    for (const line of requirements) assert.match(line, /^[A-Za-z0-9_.[\]-]+==[\w.]+(; .+)?$/, line)
    assert.ok(lines.some((line) => /pip install .*-r requirements\.txt/.test(line)))
  })

  it('runs as a non-root user, Gunicorn directly with its config file, and checks its own health', () => {
    const user = lines.filter((line) => line.startsWith('USER ')).at(-1)
    assert.ok(user && !/USER (root|0)\b/.test(user), String(user))
    assert.equal(
      lines.filter((line) => line.startsWith('CMD ')).at(-1),
      'CMD ["gunicorn", "-c", "gunicorn.conf.py"]',
    )
    assert.ok(lines.some((line) => line.startsWith('HEALTHCHECK ') && line.includes('/health')))
  })

  it('keeps the virtualenv and the tests out of the image', () => {
    const ignored = readFileSync(join(sample, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['.venv/', 'tests/', '**/__pycache__/']) assert.ok(ignored.includes(entry), entry)
  })
})
