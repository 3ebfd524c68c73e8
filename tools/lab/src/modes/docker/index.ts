// Docker mode: compose.yaml as users run it (compose.ts), one replica of a scaled service
// through its container (containers.ts). The verbs of modes/run-mode.ts.
import { existsSync, rmSync } from 'node:fs'
import { loadLabEnv, scaleFile } from '../../env.ts'
import { k6Args } from '../../k6-args.ts'
import { rememberCounts } from '../../scale.ts'
import { parseReplica, replicaSet } from '../../topology.ts'
import { printUrls, timed } from '../../verb-output.ts'
import type { RunMode } from '../run-mode.ts'
import { ComposeStack } from './compose.ts'
import { containerAddress } from './containers.ts'
import { dotEnvPath, ensureDotEnv } from './dotenv.ts'
import { recloneDocker } from './reclone.ts'
import { scaleDocker } from './scale.ts'

// Made when a verb needs it: constructing it finds (or builds) Compose v2.
let stack: ComposeStack | undefined
const compose = () => {
  stack ??= new ComposeStack()
  return stack
}

export const dockerMode: RunMode = {
  running: () => compose().exists(),

  async up() {
    const chosen = loadLabEnv()
    rememberCounts(chosen)
    // Postgres and Redis keep the passwords their data was first made with: fresh secrets would
    // lock every replica out (migrate: "password authentication failed"), so say it first.
    if (!existsSync(dotEnvPath) && (await compose().volumes()).length > 0)
      throw new Error(
        "there is no .env, but the lab's Docker volumes are still here, made with the passwords of " +
          'the .env that was: put that .env back, or delete the data with `make reset` (MODE=docker)',
      )
    const generated = ensureDotEnv()
    if (generated.length > 0) {
      console.log(`lab: .env: freshly generated ${generated.join(', ')}`)
    }
    const started = performance.now()
    const missing = await compose().up()
    const env = loadLabEnv()
    printUrls(env, 'docker', ((performance.now() - started) / 1000).toFixed(1), [
      missing.includes('grafana')
        ? '  grafana         not started: its image cannot be had here (see tools/docker/README.md)'
        : `  grafana         http://127.0.0.1:${env.port('GRAFANA_PORT')}/   (the Load balancing dashboard)`,
    ])
  },

  async down() {
    // Orphans too: the services of a set SETS named when it came up, and does not now.
    await compose().run(['down', '--remove-orphans'])
  },

  async reset() {
    await compose().run(['down', '--volumes', '--remove-orphans'])
    rmSync(scaleFile(), { force: true })
  },

  async ps() {
    await compose().run(['ps', '--all'])
  },

  async logs(target, follow) {
    // One replica of a scaled service: Compose's --index (app3 is app's container 3).
    const replica = target ? parseReplica(target) : undefined
    await compose().run([
      'logs',
      ...(follow ? ['--follow', '--tail', '20'] : ['--tail', '200']),
      ...(replica ? ['--index', String(replica.n), replica.set] : target ? [target] : []),
    ])
  },

  act: (verb, target) => compose().act(verb, target),

  scale: (set, count) => timed('scale: done', () => scaleDocker(compose(), set, count)),

  reclone: () => timed('reclone: pg-replica cloned again and running', () => recloneDocker(compose())),

  k6: (args) => compose().k6(k6Args(loadLabEnv(), args, 'docker')),

  async replicaUrl(replica) {
    const parsed = parseReplica(replica)
    if (!parsed) throw new Error(`${replica} is not a replica (app1, py2, ...)`)
    return `http://${await containerAddress(replica)}:${replicaSet(parsed.set).containerPort}`
  },
}
