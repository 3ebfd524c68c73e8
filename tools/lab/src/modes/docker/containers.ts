// Docker mode, one replica at a time: Compose's verbs act on a whole service, so one replica of
// a scaled one (app3) is its container (lb-lab-app-3), through the docker CLI.
import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { containerName } from '../../topology.ts'

export function dockerCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || err.message}`))
        : resolve(stdout),
    )
  })
}

/**
 * Waits until a replica's own healthcheck passes, run at once and every 250 ms rather than at
 * Docker's next interval (5 s: a check every second on every replica would cost CPU all day).
 */
export async function waitReady(replica: string, timeoutMs = 60_000): Promise<void> {
  const container = containerName(replica)
  const [kind, ...test] = JSON.parse(
    await dockerCli(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', container]),
  ) as string[]
  const command = kind === 'CMD-SHELL' ? ['sh', '-c', test.join(' ')] : test
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      await dockerCli(['exec', container, ...command])
      return
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(250)
  }
  throw new Error(`${replica} is not ready after ${timeoutMs / 1000} s (${last}); see make logs s=${replica}`)
}

/** A replica's address on the backend network, as Docker gave it to its container. */
export async function containerAddress(replica: string): Promise<string> {
  const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
  const address = (await dockerCli(['inspect', '--format', format, containerName(replica)])).trim()
  if (!address) throw new Error(`${replica} has no address: is it running? (make ps)`)
  return address
}
