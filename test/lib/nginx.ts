// nginx's config as a run mode would lay it out, in a scratch folder: for the tests that render
// it with placements of their own and test it (or run it) with the machine's nginx.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { nginxEngine } from '../../tools/lab/src/engines/nginx/index.ts'
import { nativePlacement, type Placement, type SetServers } from '../../tools/lab/src/engines/placement.ts'
import type { LabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { ensureDevCertificate } from '../../tools/lab/src/tls.ts'

const run = promisify(execFile)

/** Renders for `placement` (its confDir is `dir`) into `dir`, as the lab would; the rendered files. */
export async function stageNginx(
  dir: string,
  env: LabEnv,
  placement: Placement,
): Promise<Map<string, string>> {
  const { files } = nginxEngine.render(env, placement)
  for (const [name, content] of files) writeFileSync(join(dir, name), content)
  for (const shared of nginxEngine.sharedDirs) symlinkSync(join(repoRoot, 'nginx', shared), join(dir, shared))
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  await ensureDevCertificate(join(dir, 'tls'))
  return files
}

/** A port nothing listens on now (the lab's own stack may be running beside the test). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * The machine's nginx run for real from `dir`, configured as native mode would for `env`, on
 * free ports of 127.0.0.1, in front of the replicas `sets` gives (given the lab's own sets):
 * its base URLs (its certificate is `dir`/tls/cert.pem), what was rendered, and a stop.
 */
export async function runNginx(
  dir: string,
  env: LabEnv,
  sets: (lab: SetServers[]) => SetServers[],
): Promise<{ base: string; httpsBase: string; files: Map<string, string>; stop: () => Promise<void> }> {
  const [http, https, status] = [await freePort(), await freePort(), await freePort()]
  const placement = nativePlacement(env, 'nginx', dir, dir, 'test_tag', nginxEngine.nativeRoot?.())
  placement.httpListen = `127.0.0.1:${http}`
  placement.httpsListen = `127.0.0.1:${https}`
  placement.statusListen = `127.0.0.1:${status}`
  placement.accessLog = join(dir, 'access.log')
  placement.tlsCert = join(dir, 'tls/cert.pem')
  placement.tlsKey = join(dir, 'tls/key.pem')
  placement.sets = sets(placement.sets)
  const files = await stageNginx(dir, env, placement)

  const binary = nginxEngine.nativeBinary()
  await run(binary, nginxEngine.testArgs(dir, dir))
  const nginx = spawn(binary, nginxEngine.runArgs(dir, dir), { stdio: 'ignore' })
  const stop = async () => {
    nginx.kill('SIGQUIT')
    if (nginx.exitCode === null) await new Promise((resolve) => nginx.once('exit', resolve))
  }
  const base = `http://127.0.0.1:${http}`
  const deadline = Date.now() + 10_000
  while (!(await fetch(`${base}/nginx-health`).catch(() => undefined))?.ok) {
    if (Date.now() > deadline) {
      await stop()
      throw new Error('nginx did not answer within 10 s')
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { base, httpsBase: `https://127.0.0.1:${https}`, files, stop }
}

/**
 * The machine's nginx as native mode configures it for `env`, in front of one replica of the app
 * set: `app1`, a server of the test's own (listened on here). Runs `use` with nginx's base URLs
 * and its folder (its certificate is tls/cert.pem there), then stops nginx and the replica.
 */
export async function inFrontOfApp1<T>(
  env: LabEnv,
  app1: Server,
  use: (nginx: { base: string; httpsBase: string; dir: string }) => Promise<T>,
): Promise<T> {
  await new Promise<void>((resolve) => app1.listen(0, '127.0.0.1', resolve))
  const address = `127.0.0.1:${(app1.address() as AddressInfo).port}`
  const dir = mkdtempSync(join(tmpdir(), 'lb-lab-nginx-'))
  try {
    const nginx = await runNginx(dir, env, (sets) =>
      sets.map((each) =>
        each.set.name === 'app' ? { ...each, servers: [{ name: 'app1', address }] } : each,
      ),
    )
    try {
      return await use({ base: nginx.base, httpsBase: nginx.httpsBase, dir })
    } finally {
      await nginx.stop()
    }
  } finally {
    await new Promise((resolve) => app1.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}
