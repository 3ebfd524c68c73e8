import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { nginxEngine } from '../../tools/lab/src/engines/nginx/index.ts'
import { dockerPlacement } from '../../tools/lab/src/engines/placement.ts'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { stageNginx } from '../lib/nginx.ts'

const run = promisify(execFile)

// Docker mode's rendering is also run for real (make test's Docker part); this checks it where
// no engine runs, with the nginx native mode runs (the image's), paths moved into a scratch folder.
describe("nginx's config as Docker mode renders it", () => {
  it('passes nginx -t, proxying to the addresses Docker gave the replicas', async () => {
    const env = loadLabEnv({})
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-nginx-docker-'))
    const backend = env.get('DOCKER_BACKEND_NET')
    // As modes/docker/replicas.ts finds them: Docker hands out addresses from .128 up.
    const replicas = {
      app: [{ name: 'app1', address: `${backend}.130:3000` }],
      py: [{ name: 'py1', address: `${backend}.131:8000` }],
    }
    try {
      const placement = {
        ...dockerPlacement(env, replicas, 'test_tag'),
        engineRoot: nginxEngine.nativeRoot?.() ?? '',
        confDir: dir,
        tlsCert: join(dir, 'tls/cert.pem'),
        tlsKey: join(dir, 'tls/key.pem'),
        pidFile: join(dir, 'nginx.pid'),
        tempDir: join(dir, 'tmp'),
        staticRoot: join(repoRoot, 'static'),
        accessLog: join(dir, 'access.log'),
      }
      const files = await stageNginx(dir, env, placement)
      assert.match(files.get('lb.conf') ?? '', new RegExp(`server ${backend}\\.130:3000 .*# app1`))
      assert.match(files.get('lb.conf') ?? '', new RegExp(`server ${backend}\\.131:8000 .*# py1`))

      await run(nginxEngine.nativeBinary(), nginxEngine.testArgs(dir, dir))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
