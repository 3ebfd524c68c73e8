// Docker mode: is a service serving, and if not, why. Compose's own `up --wait` gives up at once on
// "unhealthy" and names only the first container it gave up on.
import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { containerName, parseReplica } from '../../topology.ts'
import type { ComposeStack } from './compose.ts'
import { dockerCli } from './containers.ts'

/**
 * Polls Docker's health status (running, for a service without a healthcheck). Not `up --wait`:
 * it gives up at once on "unhealthy", which a container just unpaused or restarted still shows
 * until its next check passes.
 */
export async function waitHealthy(
  compose: ComposeStack,
  service: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = (
      parseReplica(service)
        ? await dockerCli([
            'inspect',
            '--format',
            '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}',
            containerName(service),
          ])
        : await compose.run(['ps', '--all', '--format', '{{.State}} {{.Health}}', service], { capture: true })
    ).trim()
    // A scaled service has a line per container: every one must be up.
    const states = last.split('\n').map((line) => line.split(' '))
    if (
      last &&
      states.every(([state, health = '']) => state === 'running' && ['healthy', ''].includes(health))
    )
      return
    if (states.some(([state]) => state === 'exited' || state === 'dead')) break
    await sleep(250)
  }
  throw new Error(`${service} is not healthy (${last || 'no container'}); see make logs s=${service}`)
}

/**
 * After a failed `up`: each container that is neither serving nor a one-shot job that finished,
 * with its health and its last log lines. Compose itself names only the first one it gave up on.
 */
export async function explainUnready(compose: ComposeStack): Promise<void> {
  const rows = await compose
    .run(['ps', '--all', '--format', '{{.Name}}\t{{.State}}\t{{.Health}}\t{{.Status}}'], {
      capture: true,
    })
    .catch(() => '')
  for (const [name = '', state, health, status = ''] of rows
    .split('\n')
    .filter(Boolean)
    .map((row) => row.split('\t'))) {
    const serving = state === 'running' && (health === 'healthy' || health === '')
    // Created: never started, waiting on one of the others. Exited (0): a one-shot job done.
    if (serving || state === 'created' || status.startsWith('Exited (0)')) continue
    console.error(`lab: ${name} is ${state}${health ? ` (${health})` : ''}: ${status}; its last lines:`)
    // A container's own stderr is docker logs' stderr (Postgres logs there).
    const logs = spawnSync('docker', ['logs', '--tail', '15', name], { encoding: 'utf8', timeout: 30_000 })
    console.error(`${logs.stdout}${logs.stderr}`.trimEnd().replace(/^/gm, `  ${name} | `))
  }
}
