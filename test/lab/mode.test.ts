import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { exampleEnv, LabEnv, loadLabEnv, parseEnvFile } from '../../tools/lab/src/env.ts'
import { ensureDotEnv, isSecret } from '../../tools/lab/src/modes/docker/dotenv.ts'
import { refuseStaticOnReplicas } from '../../tools/lab/src/modes/k8s/index.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'

const run = promisify(execFile)

describe('which mode the verbs act on', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'lb-lab-mode-'))
  after(() => rmSync(scratch, { recursive: true, force: true }))
  // A `docker` whose engine always answers, first on PATH: a laptop with Docker running.
  writeFileSync(join(scratch, 'docker'), '#!/bin/sh\nexit 0\n')
  chmodSync(join(scratch, 'docker'), 0o755)
  const make = async (state: string, extra: Record<string, string> = {}) => {
    const { MODE: _, ...env } = process.env
    const { stdout } = await run('make', ['-s', 'mode'], {
      cwd: repoRoot,
      env: { ...env, PATH: `${scratch}:${process.env.PATH}`, LAB_STATE_DIR: state, ...extra },
    })
    return stdout.trim()
  }

  it('is Docker mode when an engine answers and nothing was started yet', async () => {
    assert.equal(await make(join(scratch, 'fresh')), 'docker (a Docker engine answers)')
  })

  it('stays the mode `up` started, even after a Docker engine appears (make kill s=app3 must reach native app3)', async () => {
    const state = join(scratch, 'native-stack')
    await run('mkdir', ['-p', state])
    writeFileSync(join(state, 'mode'), 'native\n')
    assert.equal(await make(state), 'native (remembered)')
  })

  it('is what MODE says, whatever was remembered', async () => {
    const state = join(scratch, 'native-stack')
    assert.equal(await make(state, { MODE: 'docker' }), 'docker (MODE)')
    await assert.rejects(
      make(state, { MODE: 'podman' }),
      /MODE=podman: use MODE=native, MODE=docker or MODE=k8s/,
    )
  })
})

describe('the .env Docker mode writes when there is none', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'lb-lab-dotenv-'))
  after(() => rmSync(scratch, { recursive: true, force: true }))
  const example = exampleEnv()

  it('has every setting of .env.example, each secret freshly generated, and is private', () => {
    const path = join(scratch, '.env')
    const generated = ensureDotEnv(path)
    const written = parseEnvFile(readFileSync(path, 'utf8'), path)
    assert.deepEqual([...written.keys()], [...example.keys()])
    assert.deepEqual(generated, [...example.keys()].filter(isSecret))
    assert.ok(generated.length >= 7, generated.join(', '))
    for (const [key, value] of written) {
      if (isSecret(key)) {
        assert.notEqual(value, example.get(key), `${key} kept the example's value`)
        assert.match(value, /^[0-9a-f]{48}$/, key)
      } else assert.equal(value, example.get(key), key)
    }
    // Two writes never share a secret.
    const other = join(scratch, 'other.env')
    ensureDotEnv(other)
    assert.notEqual(
      parseEnvFile(readFileSync(other, 'utf8'), other).get('PG_PASSWORD'),
      written.get('PG_PASSWORD'),
    )
    assert.equal(statSync(path).mode & 0o777, 0o600)
  })

  it('keeps an existing .env as it is, adding only a fresh value for each secret it lacks', () => {
    const path = join(scratch, 'mine.env')
    const secrets = [...exampleEnv().keys()].filter(isSecret)
    // Every secret but the object store's, as a .env written before the lab had one.
    const mine = `LB_STRATEGY=ip_hash\n${secrets
      .filter((key) => key !== 'S3_SECRET_ACCESS_KEY')
      .map((key) => `${key}=mine-${key}`)
      .join('\n')}\n`
    writeFileSync(path, mine)
    assert.deepEqual(ensureDotEnv(path), ['S3_SECRET_ACCESS_KEY'])
    const written = readFileSync(path, 'utf8')
    assert.ok(written.startsWith(mine), 'what was there is unchanged')
    assert.match(written, /^S3_SECRET_ACCESS_KEY=[0-9a-f]{48}$/m)
    // Complete now: nothing more to add.
    assert.deepEqual(ensureDotEnv(path), [])
    assert.equal(readFileSync(path, 'utf8'), written)
  })
})

describe('settings that only make sense together', () => {
  const refused = async (settings: Record<string, string>, message: RegExp) => {
    const state = mkdtempSync(join(tmpdir(), 'lb-lab-budget-'))
    try {
      await assert.rejects(
        run(process.execPath, ['tools/lab/src/cli.ts', 'up'], {
          cwd: repoRoot,
          env: { ...process.env, MODE: 'native', LAB_STATE_DIR: state, ...settings },
        }),
        message,
      )
    } finally {
      rmSync(state, { recursive: true, force: true })
    }
  }

  it("refuses to start a stack whose queued work would outlast nginx's read timeout", () =>
    refused(
      { WORK_QUEUE_TIMEOUT_MS: '1500' },
      /WORK_QUEUE_TIMEOUT_MS \+ WORK_MAX_MS \(2500 ms\) must stay under UPSTREAM_READ_TIMEOUT \(2000 ms\)/,
    ))

  it("refuses a request deadline that, with a last session save, would outlast nginx's read timeout", () =>
    refused(
      { REQUEST_DEADLINE_MS: '1300' },
      /REQUEST_DEADLINE_MS \+ DEPENDENCY_TIMEOUT_MS \(2050 ms\) must stay under UPSTREAM_READ_TIMEOUT \(2000 ms\)/,
    ))

  // Not through `up`: Kubernetes mode's up writes a .env first (the repository's), as a user's would.
  it('refuses STATIC_FILES=replicas on Kubernetes, whose replicas have no static/ folder to serve', () => {
    const env = (value: string) => new LabEnv(new Map([...loadLabEnv({}).values, ['STATIC_FILES', value]]))
    assert.throws(
      () => refuseStaticOnReplicas(env('replicas')),
      /STATIC_FILES=replicas: a switch of native and Docker modes; on Kubernetes the replicas have no static\/ folder/,
    )
    assert.doesNotThrow(() => refuseStaticOnReplicas(env('balancer')))
  })
})
