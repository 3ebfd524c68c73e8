// nginx: the config rendered from nginx/templates into the state folder, reloaded in place.
import { existsSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { NGINX_SHARED_DIRS, NJS_MODULE, nativePlacement, renderNginx } from '../../../engines/nginx/config.ts'
import type { LabEnv } from '../../../env.ts'
import { repoRoot, serviceDir } from '../../../paths.ts'
import { LOCALHOST, replicasOf, SET_NAMES } from '../../../topology.ts'
import { bin, ensureDir, runChecked, type Service, writeIfChanged } from './service.ts'
import { ensureDevCertificate, ensureSyslogTag } from './tls.ts'

export function nginx(env: LabEnv): Service {
  const port = env.port('NGINX_HTTP_PORT')
  const dir = serviceDir('nginx')
  const confDir = join(dir, 'conf')
  let version = ''

  /** The rendered files, with the shared folders beside them (Docker mode copies them). */
  function writeConfig(into: string): boolean {
    ensureDir(into)
    for (const shared of NGINX_SHARED_DIRS) {
      const link = join(into, shared)
      if (!existsSync(link)) symlinkSync(join(repoRoot, 'nginx', shared), link)
    }
    const rendered = renderNginx(env, nativePlacement(env, dir, into, ensureSyslogTag(join(dir, 'tls'))))
    version = rendered.version
    let changed = false
    // Readable by the lab's user only: they hold the console's syslog tag.
    for (const [name, content] of rendered.files)
      changed = writeIfChanged(join(into, name), content, 0o600) || changed
    return changed
  }

  return {
    name: 'nginx',
    dependsOn: SET_NAMES.flatMap((set) => replicasOf(env, set)),
    port,
    ports: [port, env.port('NGINX_HTTPS_PORT'), env.port('NGINX_STATUS_PORT')],
    binaries: ['nginx', 'openssl', NJS_MODULE],
    // Graceful: workers finish the requests they hold, as the official image's STOPSIGNAL.
    stopSignal: 'SIGQUIT',
    stopTimeoutMs: 10_000,
    startTimeoutMs: 10_000,
    async prepare() {
      for (const sub of ['log', 'tmp']) ensureDir(join(dir, sub))
      await ensureDevCertificate(join(dir, 'tls'))
      // Test the candidate in a staging folder before it replaces what a running nginx reloads.
      const staging = join(dir, 'conf.next')
      rmSync(staging, { recursive: true, force: true })
      writeConfig(staging)
      try {
        await runChecked('nginx', 'nginx -t', bin('nginx'), [
          '-t',
          '-q',
          '-p',
          dir,
          '-e',
          'stderr',
          '-c',
          join(staging, 'nginx.conf'),
        ])
      } finally {
        rmSync(staging, { recursive: true, force: true })
      }
      return writeConfig(confDir)
    },
    command: () => ({
      command: bin('nginx'),
      args: ['-p', dir, '-e', 'stderr', '-c', join(confDir, 'nginx.conf'), '-g', 'daemon off;'],
      env: {},
      cwd: dir,
    }),
    healthy: async () => {
      try {
        const response = await fetch(`http://${LOCALHOST}:${port}/nginx-health`, {
          signal: AbortSignal.timeout(1000),
        })
        return (await response.text()).trim() === `ok ${version}`
      } catch {
        return false
      }
    },
    async reload(pid) {
      process.kill(pid, 'SIGHUP')
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}
