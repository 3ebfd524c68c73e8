// Runs a k6 script while breaking the stack on a schedule, with the same verbs a person uses
// (make kill/start/pause/unpause s=..., native or Docker mode alike).
//   node loadtests/run.ts failover | sessions | rollout [py] | media [py] | restarts | scale
// Exits with k6's exit code, or 3 when a verb was still running as the load ended (the run then
// proves nothing about its end). Whatever happens, the broken service is restored at the end.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { loadLabEnv } from '../tools/lab/src/env.ts'
import { replicaNamesFor } from '../tools/lab/src/k6-args.ts'
import { chooseMode, type Mode } from '../tools/lab/src/mode.ts'
import { replicaSet } from '../tools/lab/src/topology.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// k6 through the lab: bin/k6 natively, the k6 container in Docker mode.
const LAB = join(root, 'tools/lab/src/cli.ts')

interface Plan {
  script: string
  target: string
  /** Seconds after the load starts at which each verb runs (on `service`, else on the target;
   * `#2` is the target set's second replica: app2, or py2 for `media py`). */
  events: Array<[verb: string, at: number, service?: string]>
  seconds: number
  /** Where a mode's verbs take much less than `seconds` allows for (the slowest mode's). */
  secondsIn?: Partial<Record<Mode, number>>
  /** Verbs run at the end whatever happened (on `service`, else on the target). */
  restore: Array<[verb: string, service?: string]>
}

const PLANS: Record<string, Plan> = {
  failover: {
    script: 'failover.ts',
    target: 'app2',
    events: [
      ['kill', 5],
      ['start', 12],
      ['pause', 24],
      ['unpause', 32],
    ],
    seconds: 45,
    restore: [['unpause'], ['start']],
  },
  // Every replica of a set restarted one at a time (make rollout): each takes about its own
  // restart plus UPSTREAM_FAIL_TIMEOUT, so 25 s for three natively, up to 50 s in Docker mode
  // (a Gunicorn container's restart); the load runs past that, and the runner fails the run if
  // it did not. Each plan's seconds cover its verbs in Docker mode, the slower one.
  rollout: {
    script: 'rollout.ts',
    target: 'app',
    events: [['rollout', 3]],
    seconds: 65,
    // A Deployment's rolling update of three pods: 7-21 s here.
    secondsIn: { k8s: 40 },
    restore: [],
  },
  // The contrast to `rollout`: the same load, the replicas restarted back to back, without
  // waiting for nginx to take each one back. Each still drains itself, so on three replicas it
  // lost nothing here either (3,064 requests); what it cannot promise is that two replicas are
  // never out of rotation at once (on two, that is all of them: 502, no live upstream).
  restarts: {
    script: 'rollout.ts',
    target: 'app1,app2,app3',
    events: [
      ['restart', 3, 'app1'],
      ['restart', 3, 'app2'],
      ['restart', 3, 'app3'],
    ],
    seconds: 15,
    restore: [],
  },
  // Uploads (keyed: nginx may retry them) and fetches of media while the target replica dies.
  media: {
    script: 'media.ts',
    target: 'app',
    events: [
      ['kill', 6, '#2'],
      ['start', 14, '#2'],
    ],
    seconds: 24,
    restore: [['start', '#2']],
  },
  sessions: {
    script: 'sessions.ts',
    target: 'app3',
    events: [
      ['kill', 6],
      ['start', 12],
    ],
    seconds: 28,
    restore: [['start']],
  },
  // In Docker mode each scale takes Compose 15-22 s (measured: the new containers, their health,
  // nginx's and Prometheus's re-render), so the load runs past both with room to spare.
  scale: {
    script: 'scale.ts',
    target: 'app1,app2,app3,app4,app5',
    events: [
      ['scale', 4, '5'],
      ['scale', 26, '2'],
    ],
    seconds: 54,
    restore: [['scale', '3']],
  },
}

/** A lab verb through make, so the runner works in both modes; a rollout is the lab's own. */
function verb(name: string, service: string): boolean {
  const [command, args] =
    name === 'rollout'
      ? [process.execPath, [LAB, 'rollout', service]]
      : ['make', ['-s', name, name === 'scale' ? `n=${service}` : `s=${service}`]]
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status === 0
}

/** `#n` in a plan: replica n of the target set; any other name as it is. */
const replicaOfTarget = (service: string, target: string) =>
  service.startsWith('#') ? `${target}${service.slice(1)}` : service

/** Where the load goes: the set at nginx's root by default, or another by name (py). */
function targetSet(mode: Mode, set: string | undefined): string[] {
  if (set === undefined) return []
  const { prefix } = replicaSet(set) // refuses a name that is no set's, naming the sets
  const replicas = replicaNamesFor(mode, loadLabEnv(), set).join(',')
  return ['-e', `BASE_PATH=${prefix}`, '-e', `REPLICAS=${replicas}`]
}

async function main(name: string | undefined, set: string | undefined): Promise<number> {
  const plan = name ? PLANS[name] : undefined
  if (!plan) throw new Error(`usage: node loadtests/run.ts ${Object.keys(PLANS).join(' | ')} [py]`)
  mkdirSync(join(root, 'loadtests/results'), { recursive: true })
  // k6 needs a moment to start; events are absolute times both sides agree on.
  const start = Date.now() + 2000
  const at = (seconds: number) => start + seconds * 1000
  const { mode } = await chooseMode(process.env.MODE)
  const seconds = plan.secondsIn?.[mode] ?? plan.seconds
  const loadEnds = at(seconds + 2)
  const target = plan.target === 'app' ? (set ?? 'app') : plan.target
  const args = [
    'run',
    '-q',
    '-e',
    `TARGET=${target}`,
    '-e',
    `SECONDS=${seconds + 2}`,
    ...targetSet(mode, set),
  ]
  // The scripts that tag phases (failover) read these; events of one name share a phase, and
  // AT_<event>_<service> tells them apart (AT_scale_5).
  for (const [event, seconds, service] of plan.events) {
    args.push('-e', `AT_${event}=${at(seconds)}`)
    if (service && !service.startsWith('#')) args.push('-e', `AT_${event}_${service}=${at(seconds)}`)
  }
  const k6 = spawn(process.execPath, [LAB, 'k6', ...args, join('loadtests', plan.script)], {
    cwd: root,
    stdio: 'inherit',
  })
  const exited = new Promise<number>((resolve) => k6.on('exit', (code) => resolve(code ?? 1)))
  try {
    for (const [event, seconds, named = target] of plan.events) {
      const service = replicaOfTarget(named, target)
      await sleep(Math.max(0, at(seconds) - Date.now()))
      console.log(`run: ${event} ${service}`)
      if (!verb(event, service)) throw new Error(`${event} ${service} failed`)
      const done = Date.now()
      console.log(`run: ${event} ${service} took ${((done - at(seconds)) / 1000).toFixed(1)} s`)
      if (done > loadEnds) {
        console.error(`run: ${event} ${service} ended after the load did: make the plan's seconds longer`)
        await exited
        return 3
      }
    }
    return await exited
  } finally {
    for (const [restore, service = target] of plan.restore) verb(restore, replicaOfTarget(service, target))
  }
}

process.exitCode = await main(process.argv[2], process.argv[3]).catch((err: Error) => {
  console.error(`run: ${err.message}`)
  return 2
})
