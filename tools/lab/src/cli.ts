#!/usr/bin/env node
// lab: the stack with Docker Compose's verbs, in either mode. `make` calls it; see `lab help`.
// This file parses the command line and dispatches each verb (VERBS below) to the chosen run
// mode's (modes/index.ts); what a verb does in a mode lives in that mode's folder.
import { conform, printReport } from './conform/index.ts'
import { loadLabEnv } from './env.ts'
import { FAULT_KEYS, fault } from './fault.ts'
import { withStackLock } from './lock.ts'
import { chooseMode, forgetMode, type Mode, rememberMode } from './mode.ts'
import { renderForDocker } from './modes/docker/render.ts'
import { RUN_MODES } from './modes/index.ts'
import { describeLog, ServiceError } from './modes/native/services/index.ts'
import { type RunMode, SERVICE_VERBS, type ServiceVerb } from './modes/run-mode.ts'
import { devCertificate, displayPath, logFile, stateRoot } from './paths.ts'
import { rollout, rolloutTargets } from './rollout.ts'
import { scaleRequest } from './scale.ts'
import { type Changed, describeChanged } from './switches.ts'
import { checkSets, ROOT_SET, SET_NAMES } from './topology.ts'
import { needTarget, tailOf } from './verb-output.ts'
import { askConsole } from './workshop/console.ts'
import {
  checkAll,
  checkLesson,
  currentLesson,
  describeVerdict,
  listLessons,
  startLesson,
} from './workshop/lessons.ts'
import { describeRun, recordConform } from './workshop/runs.ts'
import { parseTraffic, traffic } from './workshop/traffic.ts'

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
  traffic [key=value ...]
                      requests through the balancer, summed up per replica: path=/api/whoami n=200
                      c=4 rate=0 (per second; 0: as fast as c allows) method=GET|POST visitors=0
                      (that many cookie jars, each POSTing /api/visits in turn: the counts)
                      notes=1 (each request writes a note, then reads it back at once)
                      https=1 (to the HTTPS port, as a browser for /static/ and the console)
  cert                the path of the certificate the balancer serves (curl --cacert $(make -s cert))
  lesson [n]          the workshop's lessons (lessons/README.md); with n, lesson n's page, begun
  check [n|all]       whether lesson n's checkpoint (default: the lesson in progress) was reached;
                      all: every lesson's, a line each
  k6 <args>           k6 (native: bin/k6; Docker: the k6 container of the loadtest profile)
  mode                which mode the next verb acts on, and why
  conform [set] [--json] [--only=id,...]
                      is the set (app by default) ready to be load-balanced? The requirements
                      checked live through the balancer, a line each: pass, warn or fail, with the
                      evidence and the fix; exit 1 if one failed (docs/conform.md)
  env <svc>           native: the environment a service starts with (JSON; secrets included)
  render <dir>        Docker mode's config service: render nginx's and Prometheus's config into <dir>

The mode: MODE=native|docker|k8s; else the one the last \`up\` started; else Docker when an engine
answers (k8s/README.md: Kubernetes mode, on the lab's own cluster or yours). Configuration: .env.example, then .env, then the environment (LB_STRATEGY=ip_hash lab up).`

interface Args {
  verb: string
  target: string | undefined
  rest: string[]
  follow: boolean
  /** The mode the verb acts in (chooseMode's). */
  mode: Mode
}

/**
 * Every verb that acts on a stack: what it asks of the run mode. `locked`: one at a time per
 * machine (lock.ts). A verb whose method a mode lacks is refused by name (dispatch below).
 */
const VERBS: Record<
  string,
  { locked?: boolean; needs?: keyof RunMode; run(mode: RunMode, a: Args): Promise<void> }
> = {
  up: { locked: true, run: (m) => m.up() },
  down: { locked: true, run: (m) => m.down() },
  reset: { locked: true, run: (m) => m.reset() },
  ps: {
    run: async (m, a) => {
      await m.ps()
      // What the running balancer's config was rendered with, as the console shows it.
      const state = (await askConsole(loadLabEnv(), a.mode, 'state')) as { changed?: Changed[] } | undefined
      if (state?.changed) console.log(`settings: ${describeChanged(state.changed)}`)
    },
  },
  logs: { run: (m, a) => m.logs(a.target, a.follow) },
  ...Object.fromEntries(
    SERVICE_VERBS.map((verb) => [
      verb,
      { run: (m: RunMode, a: Args) => m.act(verb as ServiceVerb, needTarget(verb, a.target)) },
    ]),
  ),
  scale: {
    locked: true,
    run: (m, a) => {
      const { set, count } = scaleRequest(a.rest.filter((arg) => !arg.startsWith('-')))
      return m.scale(set, count)
    },
  },
  rollout: {
    locked: true,
    run: (m, a) => {
      const env = loadLabEnv()
      const targets = rolloutTargets(env, a.target)
      const set = a.target ?? ROOT_SET
      if (m.rolloutSet && SET_NAMES.includes(set)) return m.rolloutSet(set)
      return rollout(env, targets, (replica) => m.act('restart', replica))
    },
  },
  reclone: { locked: true, run: (m) => m.reclone() },
  fault: { run: (m, a) => fault((replica) => m.replicaUrl(replica), loadLabEnv(), a.rest) },
  k6: {
    run: async (m, a) => {
      const code = await m.k6(a.rest)
      if (code !== 0) process.exitCode = code
    },
  },
  conform: {
    locked: true,
    run: async (m, a) => {
      const only = a.rest.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)
      const report = await conform(a.mode, m, a.target ?? ROOT_SET, only ? only.split(',') : [])
      if (a.rest.includes('--json')) console.log(JSON.stringify(report, null, 2))
      else printReport(report)
      // For the workshop's lesson on a team's own service (lessons/12-your-service).
      recordConform({
        at: Date.now(),
        set: report.set,
        passed: report.passed,
        lines: report.lines.map(({ id, verdict }) => ({ id, verdict })),
      })
      if (!report.passed) process.exitCode = 1
    },
  },
  traffic: {
    run: async (_m, a) => console.log(describeRun(await traffic(loadLabEnv(), a.mode, parseTraffic(a.rest)))),
  },
  cert: { run: async (_m, a) => console.log(displayPath(devCertificate(a.mode))) },
  lesson: {
    run: async (_m, a) =>
      console.log(a.target ? await startLesson(loadLabEnv(), a.mode, a.target) : listLessons()),
  },
  check: {
    run: async (_m, a) => {
      const { passed, said } =
        a.target === 'all'
          ? await checkAll(loadLabEnv(), a.mode)
          : await checkLesson(loadLabEnv(), a.mode, a.target ?? currentLesson()).then((verdict) => ({
              passed: verdict.passed,
              said: describeVerdict(verdict),
            }))
      console.log(said)
      if (!passed) process.exitCode = 1
    },
  },
  env: { needs: 'env', run: (m, a) => m.env?.(needTarget('env', a.target)) ?? Promise.resolve() },
}

/** Whether a stack of that mode is still there: `up` picks the mode afresh when it is not. */
async function stillRunning(mode: Mode): Promise<boolean> {
  try {
    return await RUN_MODES[mode].running()
  } catch {
    return false // no Docker CLI any more, say, or no native packages: nothing of it runs
  }
}

async function main(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv
  const args: Args = {
    verb: verb ?? '',
    rest,
    follow: rest.includes('-f') || rest.includes('--follow'),
    target: rest.find((arg) => !arg.startsWith('-')),
    mode: 'native',
  }
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
    const { written, version, unknown } = await renderForDocker(loadLabEnv(), args.target ?? '/rendered')
    for (const file of written) console.log(`rendered ${file}`)
    // reconfigure (compose.ts) relays these lines, and waits for nginx to report this version.
    for (const name of unknown) console.log(`lab: ${name} never ran, so nginx leaves it out`)
    console.log(`version ${version}`)
    return
  }
  checkSets()
  const { mode, why } = await chooseMode(process.env.MODE, verb === 'up' ? stillRunning : undefined)
  if (verb === 'mode') {
    console.log(`${mode} (${why})`)
    return
  }
  args.mode = mode
  const entry = VERBS[verb]
  if (!entry) throw new Error(`unknown verb "${verb}"\n\n${HELP}`)
  const runMode = RUN_MODES[mode]
  if (entry.needs && !runMode[entry.needs]) {
    const others = (Object.keys(RUN_MODES) as Mode[]).filter(
      (m) => RUN_MODES[m][entry.needs as keyof RunMode],
    )
    throw new Error(`${verb}: not in ${mode} mode (${others.map((m) => `MODE=${m}`).join(', ')} only)`)
  }
  if (verb === 'up') loadLabEnv().checkTimeouts()
  if (entry.locked) {
    await withStackLock(verb, async () => {
      // Recorded before starting anything: a failed `up` is still cleaned up by `down` in its mode.
      if (verb === 'up') rememberMode(mode)
      await entry.run(runMode, args)
    })
  } else await entry.run(runMode, args)
  if (verb === 'reset') forgetMode()
}

try {
  await main(process.argv.slice(2))
} catch (err) {
  if (err instanceof ServiceError) {
    console.error(`lab: ${err.service}: ${err.message}\n  log: ${describeLog(err.service)}, last lines:`)
    console.error(
      tailOf(logFile(err.service), 15)
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n'),
    )
  } else {
    console.error(`lab: ${(err as Error).message}`)
  }
  process.exitCode = 1
}
