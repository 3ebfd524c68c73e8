#!/usr/bin/env node
// lab: the native-mode stack with Docker Compose's verbs. `make` calls it; see `lab help`.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { renderForDocker } from './docker-render.ts'
import { loadLabEnv } from './env.ts'
import { devCertificate, displayPath, logFile, stateRoot } from './paths.ts'
import { describeLog, ServiceError, services } from './services.ts'
import { Stack } from './stack.ts'
import { APPS, PYS } from './topology.ts'

const HELP = `usage: lab <verb> [service]

  up                  start every service that is not running (and reload changed configs)
  down                stop every service (data stays; see reset)
  ps                  state, pid and address of each service
  logs [svc] [-f]     the last lines of one service's log, or of all; -f follows
  stop <svc>          graceful stop (the service's stop signal, SIGKILL after a grace period)
  start <svc>         start a stopped service and wait until it is healthy
  restart <svc>       stop, then start
  kill <svc>          SIGKILL to all of the service's processes
  pause <svc>         SIGSTOP: frozen, connections stay open (like docker pause)
  unpause <svc>       SIGCONT
  reset               down, then delete all state (data, logs) under ${stateRoot}
  rollout [svc]       restart app1-3 (or svc) one at a time, each drained from nginx first
  env <svc>           the environment a service starts with (JSON; secrets included)
  render <dir>        Docker mode: render nginx's and Prometheus's config for Compose into <dir>

Configuration: .env.example, then .env, then the environment (e.g. LB_STRATEGY=ip_hash lab up).`

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log yet)'
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv
  const follow = rest.includes('-f') || rest.includes('--follow')
  const target = rest.find((arg) => !arg.startsWith('-'))
  const env = loadLabEnv()
  const stack = new Stack(services(env))
  const needTarget = () => {
    if (!target) throw new Error(`${verb} needs a service: ${stack.services.map((s) => s.name).join(', ')}`)
    return target
  }

  switch (verb) {
    case 'up': {
      stack.install()
      const started = performance.now()
      await stack.up()
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      const nginx = stack.get('nginx').url
      const https = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}`
      console.log(`lb-lab is up (native mode, LB_STRATEGY=${env.strategy()}) in ${seconds} s
  through nginx   ${nginx}/api/whoami   ${https}/api/whoami
  lab page        ${https}/   (self-signed: curl --cacert ${displayPath(devCertificate())})
  prometheus      ${stack.get('prometheus').url}/alerts   (targets: ${stack.get('prometheus').url}/targets)
  grafana         Docker mode only; its dashboard queries run here: ${stack.get('prometheus').url}/graph
  replicas        ${APPS.map((a) => stack.get(a).url).join('  ')}
  python sample   ${nginx}/py/api/whoami   (${PYS.map((p) => stack.get(p).url).join('  ')})
  then try        make ps · make kill s=app2 · make logs s=nginx · make down`)
      return
    }
    case 'down':
      await stack.down()
      console.log('lb-lab is down (data kept; `make reset` deletes it)')
      return
    case 'reset':
      await stack.down()
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
          `127.0.0.1:${service.port}`,
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
    case 'render': {
      // Docker mode's config service: the same templates with Compose's addresses.
      const written = await renderForDocker(env, target ?? '/rendered')
      for (const file of written) console.log(`rendered ${file}`)
      return
    }
    case 'rollout': {
      // A rolling restart nobody notices: one replica at a time leaves nginx's rotation (a
      // graceful reload with `down`), restarts (SIGTERM: in-flight requests finish), returns.
      const withDrained = (drained: string) =>
        new Stack(services(loadLabEnv({ ...process.env, LB_DRAINED: drained }))).reconfigure('nginx')
      for (const replica of target ? [target] : APPS) {
        console.log(`rollout: ${replica}`)
        await withDrained(replica)
        await stack.restart(replica)
        await withDrained('')
      }
      return
    }
    case 'env': {
      // What a replica is started with, as JSON: its tests build the app from it (pytest).
      const service = stack.get(needTarget())
      console.log(JSON.stringify(service.command().env, null, 2))
      return
    }
    case 'start':
      await stack.start(needTarget())
      return
    case 'stop':
      await stack.stop(needTarget())
      return
    case 'restart':
      await stack.restart(needTarget())
      return
    case 'kill':
      await stack.kill(needTarget())
      return
    case 'pause':
      stack.pause(needTarget())
      return
    case 'unpause':
      stack.unpause(needTarget())
      return
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      console.log(HELP)
      return
    default:
      throw new Error(`unknown verb "${verb}"\n\n${HELP}`)
  }
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
