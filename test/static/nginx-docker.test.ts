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
import { ensureDevCertificate } from '../../tools/lab/src/services.ts'
import { isRoot, which } from '../../tools/lab/src/system.ts'

const run = promisify(execFile)

describe("nginx's config as Docker mode renders it", () => {
  // Debian's nginx 1.22 is older than `server ... resolve` (1.27.3), so the check renders Docker's
  // addresses without the resolver; everything else is Docker's rendering. nginx resolves
  // the replicas' names when it loads the config: a private mount namespace gives them an /etc/hosts of
  // their own, leaving the machine's untouched (this needs root, as CI has).
  it('passes nginx -t with the service names of compose.yaml', {
    skip: !isRoot() && 'needs root (unshare)',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-nginx-docker-'))
    try {
      const placement = {
        ...dockerPlacement(),
        resolver: undefined,
        confDir: dir,
        tlsCert: join(dir, 'tls/cert.pem'),
        tlsKey: join(dir, 'tls/key.pem'),
        pidFile: join(dir, 'nginx.pid'),
        tempDir: join(dir, 'tmp'),
        staticRoot: join(repoRoot, 'static'),
        accessLog: join(dir, 'access.log'),
      }
      const { files } = renderNginx(loadLabEnv({}), placement)
      assert.match(files.get('lb.conf') ?? '', /server app1:3000 /)
      assert.match(files.get('lb.conf') ?? '', /server py1:8000 /)
      for (const [name, content] of files) writeFileSync(join(dir, name), content)
      for (const shared of ['snippets', 'strategies'])
        symlinkSync(join(repoRoot, 'nginx', shared), join(dir, shared))
      mkdirSync(join(dir, 'tmp'))
      await ensureDevCertificate(join(dir, 'tls'))
      writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost app1 app2 app3 py1 py2 py3\n')

      const nginx = which('nginx')
      assert.ok(nginx, 'nginx not installed')
      const script = `mount --bind ${dir}/hosts /etc/hosts && ${nginx} -t -q -p ${dir} -e stderr -c ${dir}/nginx.conf`
      await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
