// Native mode: every service a process of this machine (stack.ts), on 127.0.0.1, its state under
// the state folder (.lab/). The verbs of modes/run-mode.ts.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { loadLabEnv } from '../../env.ts'
import { k6Args } from '../../k6-args.ts'
import { logFile, repoRoot, stateRoot } from '../../paths.ts'
import { everyReplica, rememberCounts } from '../../scale.ts'
import { postgresUser } from '../../system.ts'
import { ALL_SET_NAMES, LOCALHOST, parseReplica, replicaPort, replicasOf, SET_NAMES } from '../../topology.ts'
import { printUrls, tailOf, timed } from '../../verb-output.ts'
import type { RunMode } from '../run-mode.ts'
import { checkStateReachable } from './first-run.ts'
import { recloneNative } from './reclone.ts'
import { scaleNative } from './scale.ts'
import { describeLog, otherBalancers, services } from './services/index.ts'
import { Stack } from './stack.ts'

const stack = () => new Stack(services(loadLabEnv()))

export const nativeMode: RunMode = {
  async running() {
    return stack()
      .status()
      .some(({ pid }) => pid !== undefined)
  },

  async up() {
    const env = loadLabEnv()
    rememberCounts(env)
    const running = new Stack(services(env))
    running.install()
    checkStateReachable(postgresUser(), stateRoot)
    const started = performance.now()
    // Another engine's balancer, left by an `up` with another LB_ENGINE, holds the same ports.
    await new Stack(otherBalancers(env)).down()
    await running.up()
    // A declared set SETS no longer names stops, once the balancer has left it out (as Compose
    // removes orphans).
    const dropped = ALL_SET_NAMES.filter((set) => !SET_NAMES.includes(set))
    await new Stack(services(everyReplica(), dropped).filter((service) => parseReplica(service.name))).down()
    printUrls(
      env,
      'native',
      ((performance.now() - started) / 1000).toFixed(1),
      [
        `  grafana         Docker mode only; its dashboard queries run here: ${running.get('prometheus').url}/graph`,
      ],
      (set) => replicasOf(env, set).map((name) => running.get(name).url ?? name),
    )
  },

  async down() {
    // Every replica that could be running, whatever the count says now, and either engine.
    await new Stack([...services(everyReplica(), ALL_SET_NAMES), ...otherBalancers(everyReplica())]).down()
    console.log('lb-lab is down (data kept; `make reset` deletes it)')
  },

  async reset() {
    await new Stack([...services(everyReplica(), ALL_SET_NAMES), ...otherBalancers(everyReplica())]).down()
    rmSync(stateRoot, { recursive: true, force: true })
    console.log(`removed ${stateRoot}`)
  },

  async ps() {
    const rows = stack()
      .status()
      .map(({ service, state, pid }) => [
        service.name,
        state,
        pid === undefined ? '-' : String(pid),
        service.port === undefined ? '-' : `${LOCALHOST}:${service.port}`,
        describeLog(service.name),
      ])
    const header = ['SERVICE', 'STATE', 'PID', 'ADDRESS', 'LOG']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
    for (const row of [header, ...rows])
      console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '))
  },

  async logs(target, follow) {
    const all = stack()
    const names = target ? [all.get(target).name] : all.services.map((s) => s.name)
    if (follow) {
      const files = names.map(logFile).filter((f) => existsSync(f))
      spawn('tail', ['-n', '20', '-F', ...files], { stdio: 'inherit' })
      return
    }
    for (const name of names) {
      if (names.length > 1) console.log(`==> ${name} (${describeLog(name)})`)
      console.log(tailOf(logFile(name), names.length > 1 ? 20 : 200))
    }
  },

  async act(verb, target) {
    const all = stack()
    if (verb === 'pause') all.pause(target)
    else if (verb === 'unpause') all.unpause(target)
    else await all[verb](target)
  },

  scale: (set, count) => timed('scale: done', () => scaleNative(set, count)),

  reclone: () => timed('reclone: pg-replica cloned again and running', () => recloneNative(stack())),

  async k6(args) {
    const bin = `${repoRoot}/bin/k6`
    if (!existsSync(bin)) spawnSync('make', ['-s', 'bin/k6'], { cwd: repoRoot, stdio: 'inherit' })
    const k6 = spawn(bin, k6Args(loadLabEnv(), args, 'native'), { cwd: repoRoot, stdio: 'inherit' })
    return await new Promise<number>((resolve) => k6.on('close', (code) => resolve(code ?? 1)))
  },

  async replicaUrl(replica) {
    return `http://${LOCALHOST}:${replicaPort(loadLabEnv(), replica)}`
  },

  async env(target) {
    console.log(JSON.stringify(stack().get(target).command().env, null, 2))
  },
}
