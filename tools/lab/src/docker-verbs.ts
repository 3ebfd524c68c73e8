// The lab's verbs in Docker mode: compose.yaml as users run it (compose.ts), one replica of a
// scaled service through its container.
import { existsSync, rmSync } from 'node:fs'
import { ComposeStack } from './compose.ts'
import { dotEnvPath, ensureDotEnv } from './dotenv.ts'
import { loadLabEnv, scaleFile } from './env.ts'
import { k6Args } from './k6-args.ts'
import { recloneDocker } from './reclone.ts'
import { rollout, rolloutTargets } from './rollout.ts'
import { rememberCounts, scaleDocker, scaleRequest } from './scale.ts'
import { parseReplica } from './topology.ts'
import { needTarget, printUrls, timed } from './verb-output.ts'

export async function dockerVerb(
  verb: string,
  target: string | undefined,
  rest: string[],
  follow: boolean,
): Promise<void> {
  const compose = new ComposeStack()
  switch (verb) {
    case 'up': {
      rememberCounts(loadLabEnv())
      // Postgres and Redis keep the passwords their data was first made with: fresh secrets would
      // lock every replica out (migrate: "password authentication failed"), so say it first.
      if (!existsSync(dotEnvPath) && (await compose.volumes()).length > 0)
        throw new Error(
          "there is no .env, but the lab's Docker volumes are still here, made with the passwords of " +
            'the .env that was: put that .env back, or delete the data with `make reset` (MODE=docker)',
        )
      const generated = ensureDotEnv()
      if (generated.length > 0) {
        console.log(`lab: wrote .env from .env.example with freshly generated ${generated.join(', ')}`)
      }
      const started = performance.now()
      const missing = await compose.up()
      const env = loadLabEnv()
      printUrls(env, 'docker', ((performance.now() - started) / 1000).toFixed(1), [
        missing.includes('grafana')
          ? '  grafana         not started: its image cannot be had here (see tools/docker/README.md)'
          : `  grafana         http://127.0.0.1:${env.port('GRAFANA_PORT')}/   (the Load balancing dashboard)`,
      ])
      return
    }
    case 'down':
      await compose.run(['down'])
      return
    case 'reset':
      await compose.run(['down', '--volumes'])
      rmSync(scaleFile(), { force: true })
      return
    case 'ps':
      await compose.run(['ps', '--all'])
      return
    case 'logs': {
      // One replica of a scaled service: Compose's --index (app3 is app's container 3).
      const replica = target ? parseReplica(target) : undefined
      await compose.run([
        'logs',
        ...(follow ? ['--follow', '--tail', '20'] : ['--tail', '200']),
        ...(replica ? ['--index', String(replica.n), replica.set] : target ? [target] : []),
      ])
      return
    }
    case 'start':
    case 'restart':
    case 'stop':
    case 'kill':
    case 'pause':
    case 'unpause':
      await compose.act(verb, needTarget(verb, target))
      return
    case 'reclone':
      await timed('reclone: pg-replica cloned again and running', () => recloneDocker(compose))
      return
    case 'scale': {
      const { set, count } = scaleRequest(rest.filter((arg) => !arg.startsWith('-')))
      await timed('scale: done', () => scaleDocker(compose, set, count))
      return
    }
    case 'rollout':
      await rollout(loadLabEnv(), rolloutTargets(loadLabEnv(), target), (replica) =>
        compose.act('restart', replica),
      )
      return
    case 'k6':
      process.exitCode = await compose.k6(k6Args(loadLabEnv(), rest))
      return
    default:
      throw new Error(`${verb}: native mode only (MODE=native)`)
  }
}
