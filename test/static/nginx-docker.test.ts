import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { dockerPlacement, renderNginx } from '../../tools/lab/src/nginx-config.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { ensureDevCertificate } from '../../tools/lab/src/services/tls.ts'
import { which } from '../../tools/lab/src/system.ts'

const run = promisify(execFile)

// Docker mode's rendering is also run for real (make test's Docker part); this checks it where
// no engine runs, with the machine's own nginx, paths moved into a scratch folder.
describe("nginx's config as Docker mode renders it", () => {
  it('passes nginx -t, proxying to the fixed backend addresses compose.yaml gives the replicas', async () => {
    const env = loadLabEnv({})
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-nginx-docker-'))
    try {
      const placement = {
        ...dockerPlacement(env),
        confDir: dir,
        tlsCert: join(dir, 'tls/cert.pem'),
        tlsKey: join(dir, 'tls/key.pem'),
        pidFile: join(dir, 'nginx.pid'),
        tempDir: join(dir, 'tmp'),
        staticRoot: join(repoRoot, 'static'),
        accessLog: join(dir, 'access.log'),
      }
      const { files } = renderNginx(env, placement)
      const backend = env.get('DOCKER_BACKEND_NET')
      assert.match(files.get('lb.conf') ?? '', new RegExp(`server ${backend}\\.11:3000 `))
      assert.match(files.get('lb.conf') ?? '', new RegExp(`server ${backend}\\.21:8000 `))
      for (const [name, content] of files) writeFileSync(join(dir, name), content)
      for (const shared of ['snippets', 'strategies'])
        symlinkSync(join(repoRoot, 'nginx', shared), join(dir, shared))
      mkdirSync(join(dir, 'tmp'))
      await ensureDevCertificate(join(dir, 'tls'))

      const nginx = which('nginx')
      assert.ok(nginx, 'nginx not installed')
      await run(nginx, ['-t', '-q', '-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
