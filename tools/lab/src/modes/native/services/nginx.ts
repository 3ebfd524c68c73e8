// The balancer, natively: its engine's config (engines/engine.ts; nginx's templates in nginx/)
// rendered into the state folder, tested, run in the foreground, reloaded in place.
import { existsSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { BalancerEngine } from '../../../engines/engine.ts'
import { nativePlacement } from '../../../engines/nginx/config.ts'
import { nginxEngine } from '../../../engines/nginx/index.ts'
import type { LabEnv } from '../../../env.ts'
import { repoRoot, serviceDir } from '../../../paths.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../../tls.ts'
import { LOCALHOST, replicasOf, SET_NAMES } from '../../../topology.ts'
import { bin, ensureDir, runChecked, type Service, writeIfChanged } from './service.ts'

export function nginx(env: LabEnv, engine: BalancerEngine = nginxEngine): Service {
  const port = env.port('NGINX_HTTP_PORT')
  const dir = serviceDir(engine.name)
  const confDir = join(dir, 'conf')
  let version = ''

  /** The rendered files, with the shared folders beside them (Docker mode copies them). */
  function writeConfig(into: string): boolean {
    ensureDir(into)
    for (const shared of engine.sharedDirs) {
      const link = join(into, shared)
      if (!existsSync(link)) symlinkSync(join(repoRoot, engine.name, shared), link)
    }
    const rendered = engine.render(env, nativePlacement(env, dir, into, ensureSyslogTag(join(dir, 'tls'))))
    version = rendered.version
    let changed = false
    // Readable by the lab's user only: they hold the console's syslog tag.
    for (const [name, content] of rendered.files)
      changed = writeIfChanged(join(into, name), content, 0o600) || changed
    return changed
  }

  return {
    name: engine.name,
    dependsOn: SET_NAMES.flatMap((set) => replicasOf(env, set)),
    port,
    ports: [port, env.port('NGINX_HTTPS_PORT'), env.port('NGINX_STATUS_PORT')],
    binaries: engine.binaries,
    stopSignal: engine.stopSignal,
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
        await runChecked(
          engine.name,
          `${engine.name}: the config test`,
          bin(engine.name),
          engine.testArgs(dir, staging),
        )
      } finally {
        rmSync(staging, { recursive: true, force: true })
      }
      return writeConfig(confDir)
    },
    command: () => ({
      command: bin(engine.name),
      args: engine.runArgs(dir, confDir),
      env: {},
      cwd: dir,
    }),
    healthy: async () => {
      try {
        const response = await fetch(`http://${LOCALHOST}:${port}${engine.healthPath}`, {
          signal: AbortSignal.timeout(1000),
        })
        return (await response.text()).trim() === `ok ${version}`
      } catch {
        return false
      }
    },
    async reload(pid) {
      process.kill(pid, engine.reloadSignal)
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}
