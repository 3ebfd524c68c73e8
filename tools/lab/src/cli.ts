#!/usr/bin/env node
// lab: the stack with Docker Compose's verbs, in either mode. `make` calls it; see `lab help`.
// Native mode runs the services as plain processes (stack.ts); Docker mode is compose.yaml.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { ComposeStack } from './compose.ts'
import { renderForDocker } from './docker-render.ts'
import { dockerVerb } from './docker-verbs.ts'
import { loadLabEnv } from './env.ts'
import { FAULT_KEYS, fault } from './fault.ts'
import { checkStateReachable } from './first-run.ts'
import { k6Args } from './k6-args.ts'
import { withStackLock } from './lock.ts'
import { chooseMode, forgetMode, type Mode, rememberMode } from './mode.ts'
import { displayPath, logFile, repoRoot, stateRoot } from './paths.ts'
import { recloneNative } from './reclone.ts'
import { rollout, rolloutTargets } from './rollout.ts'
import { everyReplica, rememberCounts, scaleNative, scaleRequest } from './scale.ts'
import { describeLog, ServiceError, services } from './services/index.ts'
import { Stack } from './stack.ts'
import { postgresUser } from './system.ts'
import { replicasOf } from './topology.ts'
import { needTarget, printUrls, timed } from './verb-output.ts'

const HELP = `usage: lab <verb> [service]

  up                  start every service that is not running (and reload changed configs)
  down                stop every service (data stays; see reset)
  ps                  the state of each service
  logs [svc] [-f]     the last lines of one service's log, or of all; -f follows
  stop <svc>          graceful stop (the service's stop signal, SIGKILL after a grace period)
  start <svc>         start a stopped service and wait until it is healthy
  restart <svc>       stop, then start
  kill <svc>          SIGKILL to all of the service's processes
  pause <svc>         SIGSTOP: frozen, connections stay open (docker pause)
  unpause <svc>       SIGCONT
  reset               down, then delete all state (native: ${displayPath(stateRoot)}; Docker: the volumes)
  reclone             clone the standby (pg-replica) from the primary again: after it fell more
                      than PG_MAX_SLOT_WAL_KEEP_SIZE behind and its slot was lost
  scale <n> [py]      run n replicas (1-9) of app, or of py; under load, losing nothing
  fault [replica] [key=value ... | clear], the keys ${FAULT_KEYS.join(', ')}
                      (latency=300ms errors=10% status=503 ready=no slowstart=30s routes=/api/notes):
                      set (all at once), clear or list the faults of one replica (contract/README.md)
  rollout [set|svc]   restart every replica of app (or of py, or svc alone) one at a time, each back
                      in rotation before the next; no reload of nginx
  k6 <args>           k6 (native: bin/k6; Docker: the k6 container of the loadtest profile)
  mode                which mode the next verb acts on, and why
  env <svc>           native: the environment a service starts with (JSON; secrets included)
  render <dir>        Docker mode's config service: render nginx's and Prometheus's config into <dir>

The mode: MODE=native|docker; else the one the last \`up\` started; else Docker when an engine
answers. Configuration: .env.example, then .env, then the environment (LB_STRATEGY=ip_hash lab up).`

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log yet)'
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

async function native(
  verb: string,
  target: string | undefined,
  rest: string[],
  follow: boolean,
): Promise<void> {
  const env = loadLabEnv()
  const stack = new Stack(services(env))
  switch (verb) {
    case 'up': {
      rememberCounts(env)
      stack.install()
      checkStateReachable(postgresUser(), stateRoot)
      const started = performance.now()
      await stack.up()
      printUrls(
        env,
        'native',
        ((performance.now() - started) / 1000).toFixed(1),
        [
          `  grafana         Docker mode only; its dashboard queries run here: ${stack.get('prometheus').url}/graph`,
        ],
        (set) => replicasOf(env, set).map((name) => stack.get(name).url ?? name),
      )
      return
    }
    case 'down':
      await new Stack(services(everyReplica())).down()
      console.log('lb-lab is down (data kept; `make reset` deletes it)')
      return
    case 'reset':
      await new Stack(services(everyReplica())).down()
      rmSync(stateRoot, { recursive: true, force: true })
      console.log(`removed ${stateRoot}`)
      return
    case 'ps': {
      const rows = stack
        .status()
        .map(({ service, state, pid }) => [
          service.name,
          state,
          pid === undefined ? '-' : String(pid),
          service.port === undefined ? '-' : `127.0.0.1:${service.port}`,
          describeLog(service.name),
        ])
      const header = ['SERVICE', 'STATE', 'PID', 'ADDRESS', 'LOG']
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
      for (const row of [header, ...rows])
        console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '))
      return
    }
    case 'logs': {
      const names = target ? [stack.get(target).name] : stack.services.map((s) => s.name)
      if (follow) {
        const files = names.map(logFile).filter((f) => existsSync(f))
        spawn('tail', ['-n', '20', '-F', ...files], { stdio: 'inherit' })
        return
      }
      for (const name of names) {
        if (names.length > 1) console.log(`==> ${name} (${describeLog(name)})`)
        console.log(tail(logFile(name), names.length > 1 ? 20 : 200))
      }
      return
    }
    case 'reclone':
      await timed('reclone: pg-replica cloned again and running', () => recloneNative(stack))
      return
    case 'scale': {
      const { set, count } = scaleRequest(rest.filter((arg) => !arg.startsWith('-')))
      await timed('scale: done', () => scaleNative(set, count))
      return
    }
    case 'rollout':
      await rollout(env, rolloutTargets(env, target), (replica) => stack.restart(replica))
      return
    case 'k6': {
      const bin = `${repoRoot}/bin/k6`
      if (!existsSync(bin)) spawnSync('make', ['-s', 'bin/k6'], { cwd: repoRoot, stdio: 'inherit' })
      const k6 = spawn(bin, k6Args(env, rest), { cwd: repoRoot, stdio: 'inherit' })
      const code = await new Promise<number>((resolve) => k6.on('close', (c) => resolve(c ?? 1)))
      if (code !== 0) process.exitCode = code
      return
    }
    case 'env': {
      // What a replica is started with, as JSON: its tests build the app from it (pytest).
      const service = stack.get(needTarget(verb, target))
      console.log(JSON.stringify(service.command().env, null, 2))
      return
    }
    case 'start':
      await stack.start(needTarget(verb, target))
      return
    case 'stop':
      await stack.stop(needTarget(verb, target))
      return
    case 'restart':
      await stack.restart(needTarget(verb, target))
      return
    case 'kill':
      await stack.kill(needTarget(verb, target))
      return
    case 'pause':
      stack.pause(needTarget(verb, target))
      return
    case 'unpause':
      stack.unpause(needTarget(verb, target))
      return
    default:
      throw new Error(`unknown verb "${verb}"\n\n${HELP}`)
  }
}

/** Whether a stack of that mode is still there: `up` picks the mode afresh when it is not. */
async function stillRunning(mode: Mode): Promise<boolean> {
  try {
    if (mode === 'docker') return await new ComposeStack().exists()
    return new Stack(services(loadLabEnv())).status().some(({ pid }) => pid !== undefined)
  } catch {
    return false // no Docker CLI any more, say, or no native packages: nothing of it runs
  }
}

async function main(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv
  const follow = rest.includes('-f') || rest.includes('--follow')
  const target = rest.find((arg) => !arg.startsWith('-'))
  if (verb === undefined || ['help', '-h', '--help'].includes(verb)) {
    console.log(HELP)
    return
  }
  if (verb === 'fault-keys') {
    // The Makefile's list of the variables `make fault` passes on.
    console.log(FAULT_KEYS.join(' '))
    return
  }
  if (verb === 'render') {
    // Docker mode's config service, in a container with none of native mode's system (no
    // `postgres` user, no packages): it must not construct the native services.
    const { written, version, unknown } = await renderForDocker(loadLabEnv(), target ?? '/rendered')
    for (const file of written) console.log(`rendered ${file}`)
    // reconfigure (compose.ts) relays these lines, and waits for nginx to report this version.
    for (const name of unknown) console.log(`lab: ${name} never ran, so nginx leaves it out`)
    console.log(`version ${version}`)
    return
  }
  const { mode, why } = await chooseMode(process.env.MODE, verb === 'up' ? stillRunning : undefined)
  if (verb === 'mode') {
    console.log(`${mode} (${why})`)
    return
  }
  if (verb === 'fault') {
    await fault(mode, loadLabEnv(), rest)
    return
  }
  if (verb === 'up') loadLabEnv().checkTimeouts()
  const act = () => (mode === 'docker' ? dockerVerb : native)(verb, target, rest, follow)
  if (['up', 'down', 'reset', 'rollout', 'reclone', 'scale'].includes(verb)) {
    await withStackLock(verb, async () => {
      // Recorded before starting anything: a failed `up` is still cleaned up by `down` in its mode.
      if (verb === 'up') rememberMode(mode)
      await act()
    })
  } else await act()
  if (verb === 'reset') forgetMode()
}

try {
  await main(process.argv.slice(2))
} catch (err) {
  if (err instanceof ServiceError) {
    console.error(`lab: ${err.service}: ${err.message}\n  log: ${describeLog(err.service)}, last lines:`)
    console.error(
      tail(logFile(err.service), 15)
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n'),
    )
  } else {
    console.error(`lab: ${(err as Error).message}`)
  }
  process.exitCode = 1
}
