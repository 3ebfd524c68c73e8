// Runs a k6 script while breaking the stack on a schedule, with the same verbs a person uses
// (make kill/start/pause/unpause s=..., native or Docker mode alike).
//   node loadtests/run.ts failover | sessions | rollout | restarts | scale
// Exits with k6's exit code. Whatever happens, the broken service is restored at the end.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// k6 through the lab: bin/k6 natively, the k6 container in Docker mode.
const LAB = join(root, 'tools/lab/src/cli.ts')

interface Plan {
  script: string
  target: string
  /** Seconds after the load starts at which each verb runs (on `service`, else on the target). */
  events: Array<[verb: string, at: number, service?: string]>
  seconds: number
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
  rollout: {
    script: 'rollout.ts',
    target: 'app1,app2,app3',
    events: [['rollout', 3]],
    seconds: 15,
    restore: [],
  },
  // The contrast to `rollout`: the same load, the replicas restarted back to back without
  // draining. Expected to fail: each restart leaves failure marks in nginx's passive checks, and
  // soon no replica is in rotation (502, no live upstream).
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
  sessions: {
    script: 'sessions.ts',
    target: 'app3',
    events: [
      ['kill', 6],
      ['start', 12],
    ],
    seconds: 20,
    restore: [['start']],
  },
  // Native mode only for now (Docker mode runs three replicas of each set).
  scale: {
    script: 'scale.ts',
    target: 'app1,app2,app3,app4,app5',
    events: [
      ['scale', 4, '5'],
      ['scale', 14, '2'],
    ],
    seconds: 22,
    restore: [['scale', '3']],
  },
}

/** A lab verb through make, so the runner works in both modes; a rollout is the lab's own. */
function verb(name: string, service: string): boolean {
  const [command, args] =
    name === 'rollout'
      ? [process.execPath, [LAB, 'rollout']]
      : ['make', ['-s', name, name === 'scale' ? `n=${service}` : `s=${service}`]]
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status === 0
}

async function main(name: string | undefined): Promise<number> {
  const plan = name ? PLANS[name] : undefined
  if (!plan) throw new Error(`usage: node loadtests/run.ts ${Object.keys(PLANS).join(' | ')}`)
  mkdirSync(join(root, 'loadtests/results'), { recursive: true })
  // k6 needs a moment to start; events are absolute times both sides agree on.
  const start = Date.now() + 2000
  const at = (seconds: number) => start + seconds * 1000
  const args = ['run', '-q', '-e', `TARGET=${plan.target}`, '-e', `SECONDS=${plan.seconds + 2}`]
  // The scripts that tag phases (failover) read these; events of one name share a phase, and
  // AT_<event>_<service> tells them apart (AT_scale_5).
  for (const [event, seconds, service] of plan.events) {
    args.push('-e', `AT_${event}=${at(seconds)}`)
    if (service) args.push('-e', `AT_${event}_${service}=${at(seconds)}`)
  }
  const k6 = spawn(process.execPath, [LAB, 'k6', ...args, join('loadtests', plan.script)], {
    cwd: root,
    stdio: 'inherit',
  })
  const exited = new Promise<number>((resolve) => k6.on('exit', (code) => resolve(code ?? 1)))
  try {
    for (const [event, seconds, service = plan.target] of plan.events) {
      await sleep(Math.max(0, at(seconds) - Date.now()))
      console.log(`run: ${event} ${service}`)
      if (!verb(event, service)) throw new Error(`${event} ${service} failed`)
    }
    return await exited
  } finally {
    for (const [restore, service = plan.target] of plan.restore) verb(restore, service)
  }
}

process.exitCode = await main(process.argv[2]).catch((err: Error) => {
  console.error(`run: ${err.message}`)
  return 2
})
