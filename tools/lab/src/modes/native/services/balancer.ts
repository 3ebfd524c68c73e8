// The balancer, natively: its engine's config (engines/engine.ts; LB_ENGINE picks nginx or
// HAProxy) rendered into the state folder, tested, run in the foreground, reloaded in place. The
// edge's TLS certificate and the console's syslog tag are the lab's, whichever engine runs.
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { BalancerEngine } from '../../../engines/engine.ts'
import { engineOf } from '../../../engines/index.ts'
import { nativePlacement } from '../../../engines/placement.ts'
import type { LabEnv } from '../../../env.ts'
import { consoleStateFile, edgeTlsDir, repoRoot, serviceDir } from '../../../paths.ts'
import { ensureDevCertificate, ensureSyslogTag } from '../../../tls.ts'
import { LOCALHOST, replicasOf, SET_NAMES } from '../../../topology.ts'
import { processTree } from '../procs.ts'
import { ensureDir, runChecked, type Service, writeIfChanged } from './service.ts'

/** How long a reload waits for the old workers to stop accepting (they may hold a stream). */
const RETIRE_WAIT_MS = 3000

export function balancer(env: LabEnv, engine: BalancerEngine = engineOf(env)): Service {
  const port = env.port('NGINX_HTTP_PORT')
  const dir = serviceDir(engine.name)
  const confDir = join(dir, 'conf')
  let version = ''
  let binary = ''

  async function runsVersion(): Promise<boolean> {
    try {
      const response = await fetch(`http://${LOCALHOST}:${port}${engine.healthPath}`, {
        signal: AbortSignal.timeout(1000),
      })
      return (await response.text()).trim() === `ok ${version}`
    } catch {
      return false
    }
  }
  /** An old worker has stopped accepting: gone, or saying it is (engine.retiringTitle). */
  const retired = (pid: number) => {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      return engine.retiringTitle !== undefined && title.includes(engine.retiringTitle)
    } catch {
      return true
    }
  }

  /** The rendered files, with the shared folders beside them (Docker mode copies them). */
  function writeConfig(into: string): boolean {
    ensureDir(into)
    for (const shared of engine.sharedDirs) {
      const link = join(into, shared)
      if (!existsSync(link)) symlinkSync(join(repoRoot, engine.name, shared), link)
    }
    const rendered = engine.render(
      env,
      nativePlacement(env, engine.name, dir, into, ensureSyslogTag(edgeTlsDir), engine.nativeRoot?.()),
    )
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
    healthy: runsVersion,
    async reload(pid) {
      const retiring = processTree(pid).slice(1)
      process.kill(pid, engine.reloadSignal)
      // Until the new config answers and no process of the old one accepts connections: one an
      // old worker accepted just before it was told to stop would be closed unanswered (seen as
      // a reset by a client that sent at once). Bounded: an old worker may hold a long stream.
      const deadline = Date.now() + RETIRE_WAIT_MS
      while (Date.now() < deadline) {
        if ((await runsVersion()) && retiring.every(retired)) return
        await sleep(50)
      }
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}
