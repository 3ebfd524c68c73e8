// The copy list is a way to start a service, not a hope: services/app/copy-list.json applied
// here, as a team would, to a copy of the TypeScript replica outside the repository. The copy
// type-checks, starts with the replica contract's environment against the lab's Redis and
// Postgres, serves its routes, has none of the lab's instruments, and drains on SIGTERM.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { contractEnv } from '../../tools/lab/src/modes/native/services/replicas.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { portFree } from '../../tools/lab/src/probes.ts'
import { until } from '../lib/stack.ts'

const source = join(repoRoot, 'services/app')
const list = JSON.parse(readFileSync(join(source, 'copy-list.json'), 'utf8')) as {
  copy: string[]
  except: string[]
  marker: string
}

/** The copy, made by the list: its folders and files, then each marked line deleted. */
function copyByList(into: string): string[] {
  const deleted: string[] = []
  for (const path of list.copy) {
    cpSync(join(source, path), join(into, path), {
      recursive: true,
      filter: (from) => !list.except.some((left) => from === join(source, left)),
    })
  }
  const files = spawnSync('grep', ['-rl', '--include=*.ts', list.marker, into], { encoding: 'utf8' })
  for (const file of files.stdout.split('\n').filter(Boolean)) {
    const lines = readFileSync(file, 'utf8').split('\n')
    deleted.push(...lines.filter((line) => line.trimEnd().endsWith(list.marker)))
    writeFileSync(file, lines.filter((line) => !line.trimEnd().endsWith(list.marker)).join('\n'))
  }
  return deleted
}

describe("a service started by the TypeScript replica's copy list", () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-lab-copy-'))
  let copy: ChildProcess | undefined
  let url = ''

  before(() => {
    const deleted = copyByList(dir)
    assert.ok(deleted.length > 0, 'the list deletes the marked lines')
    // Its dependencies as `npm ci` would give them (the workspace's, linked rather than fetched).
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'))
  })
  after(async () => {
    if (copy && copy.exitCode === null) {
      copy.kill('SIGKILL')
      await once(copy, 'exit')
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps nothing of the lab: no file of its instruments, no import of them', () => {
    const left = spawnSync('grep', ['-rlE', "from '[./]*lab/|lab-only", join(dir, 'src')], {
      encoding: 'utf8',
    })
    assert.equal(left.stdout, '', 'files still naming the lab')
  })

  it('type-checks, strict, on its own', () => {
    const config = JSON.parse(
      readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
    ) as { compilerOptions: object }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: config.compilerOptions, include: ['src'] }),
    )
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`)
  })

  it('starts from the contract environment, serves notes and sessions, and has no /faults or /api/work', async () => {
    let port = 31_200
    while (!(await portFree(port))) port++
    url = `http://127.0.0.1:${port}`
    copy = spawn(process.execPath, [join(dir, 'src/server.ts')], {
      cwd: dir,
      env: contractEnv(loadLabEnv(), 'copy1', port),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    copy.stdout?.on('data', (chunk) => {
      output += chunk
    })
    copy.stderr?.on('data', (chunk) => {
      output += chunk
    })
    await until('the copy ready', async () => (await fetch(`${url}/ready`)).ok, 20_000).catch((err) => {
      throw new Error(`${err.message}\n${output}`)
    })
    const note = await fetch(`${url}/api/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from a copy' }),
    })
    assert.equal(note.status, 201)
    assert.equal(note.headers.get('x-replica'), 'copy1')
    assert.equal((await fetch(`${url}/api/visits`, { method: 'POST' })).status, 200)
    assert.equal((await fetch(`${url}/faults`)).status, 404)
    assert.equal((await fetch(`${url}/api/work?ms=1`)).status, 404)
  })

  it('stops on SIGTERM through its drain, exit 0', async () => {
    assert.ok(copy, 'the copy runs')
    const exited = once(copy, 'exit')
    copy.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 0)
  })
})
