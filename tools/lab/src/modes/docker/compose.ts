import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ENGINES, engineOf } from '../../engines/index.ts'
import { DOCKER_BALANCER_DIR, dockerPlacement } from '../../engines/placement.ts'
import { type LabEnv, loadLabEnv } from '../../env.ts'
import { devCertificate, repoRoot } from '../../paths.ts'
import { collect } from '../../system.ts'
import {
  COMPOSE_PROJECT,
  containerName,
  LOCALHOST,
  parseReplica,
  REPLICA_SETS,
  type ReplicaSet,
  SET_NAMES,
} from '../../topology.ts'
import { dockerCli, waitReady } from './containers.ts'
import { dotEnvPath } from './dotenv.ts'
import { explainUnready, waitHealthy } from './health.ts'
import { overlayArgs } from './sets-overlay.ts'

/** `docker compose`, or a Compose v2 binary built from the Go module proxy where the CLI has none. */
let found: string[] | undefined
function composeCommand(): string[] {
  if (found) return found
  const script = join(repoRoot, 'tools/docker/compose-plugin.sh')
  const result = spawnSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (result.status !== 0)
    throw new Error('Docker Compose v2 is missing (tools/docker/compose-plugin.sh failed)')
  found = result.stdout.trim().split(' ')
  return found
}

/**
 * The environment Compose runs with. Image builds trust an extra CA when the machine names one
 * (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS: a TLS-intercepting proxy), as the build secret build-ca.
 * The replica counts are the lab's (the one `make scale` remembered, too): compose.yaml's
 * `deploy.replicas` reads them. The engine is too: its services are the Compose profile named
 * as it (nginx's exporter comes with nginx).
 */
function composeEnv(): NodeJS.ProcessEnv {
  const ca = [process.env.BUILD_CA_FILE, process.env.SSL_CERT_FILE, process.env.NODE_EXTRA_CA_CERTS].find(
    (file) => file && existsSync(file),
  )
  const env = loadLabEnv()
  // A declared set's count and cookie may come from its file under sets/, which Compose cannot read.
  const counts = Object.values(REPLICA_SETS).flatMap(({ countKey, cookieKey }) => [
    [countKey, env.get(countKey)],
    [cookieKey, env.get(cookieKey)],
  ])
  return {
    ...process.env,
    ...Object.fromEntries(counts),
    SETS: env.list('SETS').join(','),
    LB_ENGINE: env.get('LB_ENGINE'),
    COMPOSE_PROFILES: env.get('LB_ENGINE'),
    ...(ca ? { BUILD_CA_FILE: ca } : {}),
  }
}

/**
 * `docker compose` and the file its ${...} come from. compose.yaml takes every secret from .env,
 * which `up` writes when there is none (dotenv.ts); any other verb without one (`down`, `reset`
 * after the .env was deleted) reads .env.example's values instead: Compose must interpolate the
 * whole file even to stop it, and stopping needs no secret.
 */
function composeCli(): string[] {
  return [
    ...composeCommand(),
    ...(existsSync(dotEnvPath) ? [] : ['--env-file', join(repoRoot, '.env.example')]),
    ...overlayArgs(),
  ]
}

/**
 * `docker compose ps` lines of `{{.Service}} {{.Name}} {{.Health}}`, each with the name the lab gives it: a
 * replica of a scaled service by its number (app3 for lb-lab-app-3), any other by its service.
 */
function psTargets(
  lines: string,
): Array<{ service: string; container: string; target: string; health: string }> {
  return lines
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [service = '', container = '', health = ''] = line.split(' ')
      const target = SET_NAMES.includes(service) ? `${service}${/-(\d+)$/.exec(container)?.[1]}` : service
      return { service, container, target, health }
    })
}

/** Docker mode: the lab's verbs as Compose's, on compose.yaml as users run it. */
export class ComposeStack {
  /**
   * Runs compose. Its output goes to the terminal, or with `capture` its standard output is what
   * this resolves with (warnings on standard error are kept for the error message). Rejects when
   * compose fails.
   */
  async run(args: string[], options: { capture?: boolean } = {}): Promise<string> {
    const [bin, ...base] = composeCli() as [string, ...string[]]
    const { code, stdout, stderr } = await collect(bin, [...base, ...args], {
      cwd: repoRoot,
      env: composeEnv(),
      inherit: !options.capture,
    })
    if (code !== 0)
      throw new Error(`docker compose ${args.join(' ')} failed (exit ${code})\n${stdout}${stderr}`)
    return stdout
  }

  /** The project's named volumes (Postgres's and Redis's data among them), whatever their containers. */
  async volumes(): Promise<string[]> {
    const names = await dockerCli([
      'volume',
      'ls',
      '--quiet',
      '--filter',
      `label=com.docker.compose.project=${COMPOSE_PROJECT}`,
    ])
    return names.split('\n').filter(Boolean)
  }

  /** True when any container of the project exists (running, paused or stopped). */
  async exists(): Promise<boolean> {
    return (await this.run(['ps', '--all', '--quiet'], { capture: true }).catch(() => '')).trim() !== ''
  }

  /**
   * The services `up` starts: every one whose image is here or can be pulled. Grafana's cannot be
   * obtained on machines without a registry (and there is no Debian package to build it from):
   * everything else comes up, and the lab says so.
   */
  private async startable(): Promise<{ names: string[]; missing: string[] }> {
    const config = JSON.parse(await this.run(['config', '--format', 'json'], { capture: true }))
    const names: string[] = []
    const missing: string[] = []
    for (const [name, service] of Object.entries<{ image: string; build?: unknown }>(config.services)) {
      const have = () =>
        spawnSync('docker', ['image', 'inspect', service.image], { stdio: 'ignore' }).status === 0
      const pull = () =>
        spawnSync('docker', ['pull', '--quiet', service.image], { stdio: 'ignore', timeout: 120_000 })
          .status === 0
      if (service.build || have() || pull()) names.push(name)
      else {
        missing.push(name)
        console.log(
          `lab: ${name}: image ${service.image} cannot be had here (no registry answers); starting the rest`,
        )
      }
    }
    return { names, missing }
  }

  /** Brings the stack up; resolves with the services left out because their image cannot be had. */
  async up(): Promise<string[]> {
    // `up` means every service serving: a paused one would pass for running and stay frozen.
    const listed = (filter: string[]) =>
      this.run(['ps', ...filter, '--format', '{{.Service}} {{.Name}} {{.Health}}'], { capture: true }).then(
        psTargets,
      )
    for (const { service, container, target } of await listed(['--status', 'paused'])) {
      console.log(`lab: ${target} was paused; unpausing it`)
      if (target === service) await this.run(['unpause', service], { capture: true })
      else await dockerCli(['unpause', container])
      // Still "unhealthy" until its next check, which `up --wait` would take for a failure.
      await waitHealthy(this, target)
    }
    // So is one unpaused a moment ago (`make unpause`, then `make up`, as lesson 4 types them).
    for (const { target, health } of await listed(['--status', 'running']))
      if (health === 'unhealthy') {
        console.log(`lab: ${target} is unhealthy; waiting for its next check`)
        await waitHealthy(this, target)
      }
    await this.retireOtherEngines(loadLabEnv())
    const { names, missing } = await this.startable()
    await this.run([
      'up',
      '--detach',
      '--build',
      '--remove-orphans',
      '--wait',
      '--wait-timeout',
      '300',
      ...names,
    ]).catch(async (err: Error) => {
      await explainUnready(this)
      throw err
    })
    await this.reconfigure()
    // The certificate the config service made, where native mode keeps its own (curl --cacert).
    mkdirSync(dirname(devCertificate('docker')), { recursive: true })
    await this.run(['cp', `${this.engine}:${DOCKER_BALANCER_DIR}/tls/cert.pem`, devCertificate('docker')], {
      capture: true,
    })
    return missing
  }

  /** The Compose service of the balancer that runs (LB_ENGINE, as `up` remembered it). */
  get engine(): string {
    return engineOf(loadLabEnv()).name
  }

  /**
   * Stops and removes the services of every engine but `env`'s: both balancers take the same
   * addresses and ports, and Compose leaves a service whose profile is off as it is.
   */
  private async retireOtherEngines(env: LabEnv): Promise<void> {
    const chosen = engineOf(env).name
    const others = Object.values(ENGINES)
      .filter((engine) => engine.name !== chosen)
      .flatMap((engine) => [engine.name, ...(engine.companions ?? [])])
    for (const service of others) {
      const ids = (
        await dockerCli([
          'ps',
          '--all',
          '--quiet',
          '--filter',
          `label=com.docker.compose.project=${COMPOSE_PROJECT}`,
          '--filter',
          `label=com.docker.compose.service=${service}`,
        ])
      )
        .split('\n')
        .filter(Boolean)
      if (ids.length === 0) continue
      console.log(`lab: stopping ${service} (LB_ENGINE=${chosen})`)
      await dockerCli(['stop', ...ids])
      await dockerCli(['rm', ...ids])
    }
  }

  /**
   * Re-renders the balancer's and Prometheus's config (the config service, which finds the
   * replicas in Docker's DNS) and reloads both in place (old workers finish their requests) when
   * the balancer does not already run what it rendered. Compose alone would restart it,
   * refusing connections meanwhile.
   */
  async reconfigure(overrides: Record<string, string> = {}): Promise<void> {
    await this.reload(await this.render(overrides))
  }

  /** Renders (the config service); resolves with the version the balancer reports once it loads it. */
  async render(overrides: Record<string, string> = {}): Promise<string> {
    const set = Object.entries(overrides).flatMap(([key, value]) => ['-e', `${key}=${value}`])
    const output = await this.run(['run', '--rm', '--no-deps', ...set, 'config'], { capture: true })
    for (const line of output.split('\n').filter((l) => l.startsWith('lab:'))) console.log(line)
    const version = /^version (\S+)$/m.exec(output)?.[1]
    if (!version) throw new Error(`the config service printed no version:\n${output}`)
    return version
  }

  /** Reloads Prometheus, and the balancer unless it already runs `version`; waits until it does. */
  async reload(version: string): Promise<void> {
    const env = loadLabEnv()
    const engine = engineOf(env)
    const health = `http://${LOCALHOST}:${env.port('NGINX_HTTP_PORT')}${engine.healthPath}`
    const running = async () => {
      try {
        return (await (await fetch(health, { signal: AbortSignal.timeout(1000) })).text()).trim()
      } catch {
        return ''
      }
    }
    const expected = `ok ${version}`
    // Prometheus always (a balancer that has just started runs the new config already, but
    // Prometheus may still scrape the engine that ran before); both load a changed config in place.
    await this.run(['kill', '--signal', 'SIGHUP', 'prometheus'], { capture: true })
    if ((await running()) === expected) return
    await this.run(['kill', '--signal', engine.reloadSignal, engine.name], { capture: true })
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if ((await running()) === expected) return
      await sleep(100)
    }
    throw new Error(
      `${engine.name} did not load the new config within 15 s (expected "${expected}", got "${await running()}"); see make logs s=${engine.name}`,
    )
  }

  /**
   * Takes replicas out of rotation through the engine's runtime API, on the loopback of its
   * container (bash's /dev/tcp: its image has no other client); false when it has none.
   */
  async runtimeDrain(set: string, replicas: string[]): Promise<boolean> {
    const env = loadLabEnv()
    const engine = engineOf(env)
    if (!engine.runtimeDrain) return false
    const socket = engine.runtimeDrain.socket(dockerPlacement(env, {}, ''))
    if (!('port' in socket)) throw new Error(`${engine.name}: in its container its runtime API is a port`)
    const script = `exec 3<>/dev/tcp/127.0.0.1/${socket.port} && printf '%s\\n' "$1" >&3 && cat <&3`
    const commands = engine.runtimeDrain.commands(set, replicas).join(';')
    const answer = await this.run(['exec', '-T', engine.name, 'bash', '-c', script, 'drain', commands], {
      capture: true,
    })
    if (answer.trim())
      throw new Error(`${engine.name} refused the drain of ${replicas.join(', ')}: ${answer.trim()}`)
    console.log(`scale: ${replicas.join(', ')} drained through ${engine.name}'s runtime API (no reload)`)
    return true
  }

  /**
   * A Compose verb on one service, or the docker CLI's on one replica's container (app3 is
   * lb-lab-app-3). A replica that starts may come back at another address: the balancer is re-rendered.
   */
  async act(
    verb: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause',
    target: string,
  ): Promise<void> {
    const replica = parseReplica(target) !== undefined
    if (!replica) {
      // As native mode's unpause (and the replicas' below): nothing to do when nothing is paused.
      const paused =
        verb === 'unpause' &&
        (await this.run(['ps', '--status', 'paused', '--quiet', target], { capture: true }))
      if (verb !== 'unpause' || paused) await this.run([verb, target])
    }
    // As Compose's and native mode's unpause: nothing to do for a container that is not paused.
    else if (
      verb !== 'unpause' ||
      (await dockerCli(['inspect', '--format', '{{.State.Paused}}', containerName(target)])).trim() === 'true'
    )
      await dockerCli([verb, containerName(target)])
    if (!['start', 'restart', 'unpause'].includes(verb)) return
    if (!replica) return waitHealthy(this, target)
    await waitReady(target)
    await this.reconfigure()
  }

  /** The containers of a replica set, by replica name (running or not). */
  async replicas(set: ReplicaSet): Promise<string[]> {
    const out = await this.run(['ps', '--all', '--format', '{{.Name}}', set], { capture: true })
    const names = out.split('\n').filter(Boolean)
    return names
      .map((name) => /-(\d+)$/.exec(name)?.[1])
      .filter((n) => n !== undefined)
      .map((n) => `${set}${n}`)
      .sort((a, b) => Number(a.slice(set.length)) - Number(b.slice(set.length)))
  }

  /** Deletes one of compose.yaml's named volumes; its containers must be gone. */
  async removeVolume(volume: string): Promise<void> {
    const config = JSON.parse(await this.run(['config', '--format', 'json'], { capture: true }))
    const name: string | undefined = config.volumes?.[volume]?.name
    if (!name) throw new Error(`compose.yaml has no volume ${volume}`)
    const removed = spawnSync('docker', ['volume', 'rm', '--force', name], { encoding: 'utf8' })
    if (removed.status !== 0) throw new Error(`docker volume rm ${name} failed: ${removed.stderr}`)
  }

  /** k6 in its container (profile loadtest), writing its summaries as the calling user; k6's exit code. */
  k6(args: string[]): Promise<number> {
    mkdirSync(join(repoRoot, 'loadtests/results'), { recursive: true })
    const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`
    const [bin, ...base] = composeCli() as [string, ...string[]]
    // --no-deps: a run must not start (or recreate) what a failover story has just stopped.
    const k6 = spawn(
      bin,
      [...base, '--profile', 'loadtest', 'run', '--rm', '--no-deps', '--user', user, 'k6', ...args],
      {
        cwd: repoRoot,
        env: composeEnv(),
        stdio: 'inherit',
      },
    )
    return new Promise((resolve) => k6.on('close', (code) => resolve(code ?? 1)))
  }
}
