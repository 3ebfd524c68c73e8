// The balancer, natively: its engine's config (engines/engine.ts; LB_ENGINE picks nginx or
// HAProxy) rendered into the state folder, tested, run in the foreground, reloaded in place. The
// edge's TLS certificate and the console's syslog tag are the lab's, whichever engine runs.
import { existsSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { BalancerEngine } from '../../../engines/engine.ts'
import { engineOf } from '../../../engines/index.ts'
import { nativePlacement } from '../../../engines/nginx/config.ts'
import type { LabEnv } from '../../../env.ts'
import { consoleStateFile, edgeTlsDir, repoRoot, serviceDir } from '../../../paths.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../../tls.ts'
import { LOCALHOST, replicasOf, SET_NAMES } from '../../../topology.ts'
import { ensureDir, runChecked, type Service, writeIfChanged } from './service.ts'

export function balancer(env: LabEnv, engine: BalancerEngine = engineOf(env)): Service {
  const port = env.port('NGINX_HTTP_PORT')
  const dir = serviceDir(engine.name)
  const confDir = join(dir, 'conf')
  let version = ''
  let binary = ''

  /** The rendered files, with the shared folders beside them (Docker mode copies them). */
  function writeConfig(into: string): boolean {
    ensureDir(into)
    for (const shared of engine.sharedDirs) {
      const link = join(into, shared)
      if (!existsSync(link)) symlinkSync(join(repoRoot, engine.name, shared), link)
    }
    const rendered = engine.render(env, nativePlacement(env, dir, into, ensureSyslogTag(edgeTlsDir)))
    version = rendered.version
    let changed = false
    // Readable by the lab's user only: they hold the console's syslog tag.
    for (const [name, content] of rendered.files)
      changed = writeIfChanged(join(into, name), content, 0o600) || changed
    // The console reads the running engine's state from one place, whichever engine that is.
    const state = rendered.files.get('console.json')
    if (into === confDir && state) writeIfChanged(consoleStateFile, state, 0o600)
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
      binary = engine.nativeBinary()
      await ensureDevCertificate(edgeTlsDir)
      // Test the candidate in a staging folder before it replaces what a running nginx reloads.
      const staging = join(dir, 'conf.next')
      rmSync(staging, { recursive: true, force: true })
      writeConfig(staging)
      try {
        await runChecked(
          engine.name,
          `${engine.name}: the config test`,
          binary,
          engine.testArgs(dir, staging),
        )
      } finally {
        rmSync(staging, { recursive: true, force: true })
      }
      return writeConfig(confDir)
    },
    command: () => ({
      command: binary || engine.nativeBinary(),
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
