// make bench: the balancer path, the engines compared (engines-bench.ts), scaling, strategies and
// overload benchmarks, then docs/results.md (and its plots, docs/scaling.svg and docs/engines.svg)
// with the figures of this run and the machine they came from.
// Changes the running stack's replica count and strategy, and puts both back (three replicas,
// least_conn) at the end.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ENGINES } from '../tools/lab/src/engines/index.ts'
import { loadLabEnv } from '../tools/lab/src/env.ts'
import { chooseMode } from '../tools/lab/src/mode.ts'
import { installPackages, missingPackages } from '../tools/lab/src/system.ts'
import { LOCALHOST, replicaCount, replicaPort } from '../tools/lab/src/topology.ts'
import { compareEngines } from './engines-bench.ts'
import { type WrkRun, wrk } from './lib/wrk.ts'
import { lineChart } from './plot.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The figures in docs/results.md are native mode's: processes on this machine, no container
// networking in between. Docker mode would measure something else under the same headings.
if ((await chooseMode(process.env.MODE)).mode !== 'native') {
  console.error('make bench measures native mode only (docs/results.md): run MODE=native make bench')
  process.exit(2)
}
const K6 = join(root, 'bin/k6')
// What the run measures against comes from the configuration it runs with, not from this file.
const env = loadLabEnv()
const SLOTS = Number(env.get('WORK_CONCURRENCY'))
const QUEUE_MS = Number(env.get('WORK_QUEUE_TIMEOUT_MS'))
const READ_TIMEOUT = env.get('UPSTREAM_READ_TIMEOUT')
const REPLICAS = replicaCount(env, 'app')
/** /api/work?ms= of the overload runs (overload.ts reads it as MS). */
const OVERLOAD_MS = 100
const CAPACITY = REPLICAS * SLOTS * (1000 / OVERLOAD_MS)
/** The commit the figures are of, and whether the tree had changes besides: read before the
 * run writes files of its own. */
const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim()
// Its own output files do not count: the figures of the last run are always there to replace.
const changed = git([
  'status',
  '--porcelain',
  '--',
  '.',
  ':!docs/results.md',
  ':!docs/scaling.svg',
  ':!docs/engines.svg',
])
const commit = `${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${changed ? ' (with uncommitted changes)' : ''}`
const lab = (env: Record<string, string>, args = ['up']) =>
  execFileSync(process.execPath, ['tools/lab/src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  })
const scale = (n: number) => lab({}, ['scale', String(n)])

// biome-ignore lint/suspicious/noExplicitAny: k6 summary JSON
function k6(script: string, name: string, env: string[]): any {
  const args = ['run', '-q', ...env.flatMap((e) => ['-e', e]), join('loadtests', script)]
  const run = spawnSync(K6, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  // 99: a threshold did not hold. Those are the tests' verdicts (make test runs the same scripts at
  // their own loads); here the figures are the point, 10x overload included.
  if (run.status !== 0 && run.status !== 99) throw new Error(`${script} failed (exit ${run.status})`)
  return JSON.parse(readFileSync(join(root, 'loadtests/results', `${name}.json`), 'utf8'))
}

/**
 * Each path measured `rounds` times at 1 and at 32 clients, the paths taking turns, so a busy
 * moment of the machine does not land on one path only (a figure is the range over the rounds).
 * A path through an engine first makes that engine the running stack's balancer.
 */
function paths(targets: Array<[name: string, url: string, engine?: string]>, rounds = 2) {
  const runs = new Map(targets.map(([name]) => [name, { one: [] as WrkRun[], many: [] as WrkRun[] }]))
  for (let round = 0; round < rounds; round++)
    for (const [name, url, engine] of targets) {
      if (engine) lab({ LB_ENGINE: engine, LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
      runs.get(name)?.one.push(wrk(url, 1, 8))
      runs.get(name)?.many.push(wrk(url, 32, 8))
    }
  return runs
}
const range = (runs: WrkRun[], pick: (run: WrkRun) => number, format: (n: number) => string) => {
  const values = runs.map(pick).sort((a, b) => a - b)
  const [low = 0, high = 0] = [values[0], values.at(-1)]
  return format(low) === format(high) ? format(low) : `${format(low)}-${format(high)}`
}
const micros = (n: number) => (n < 1 ? `${Math.round(n * 1000)} µs` : `${n.toFixed(1)} ms`)
const thousands = (n: number) => `${(n / 1000).toFixed(1)}k`

/** "nginx 1.30.6", "HAProxy 3.2.23": the binary each engine runs natively. */
function engineVersion(name: string): string {
  const engine = ENGINES[name]
  if (!engine) return name
  const line = version(engine.nativeBinary(), ['-v'])
  const number = /(\d+\.\d+\.\d+)/.exec(line)?.[1] ?? '?'
  return `${name === 'haproxy' ? 'HAProxy' : name} ${number}`
}

const ms = (n: number | undefined) => (n === undefined ? '-' : `${n.toFixed(1)} ms`)
const version = (command: string, args: string[]) => {
  const out = spawnSync(command, args, { encoding: 'utf8' })
  return `${out.stdout}${out.stderr}`.split('\n').find((line) => line.trim()) ?? '?'
}

try {
  // The balancer path: what a request pays for going through the balancer rather than straight
  // to a replica. One client (latency), then 32 (throughput), GET /api/whoami (no dependency).
  installPackages(missingPackages(['wrk']))
  lab({ LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
  scale(3)
  const balancer = `http://${LOCALHOST}:${env.port('NGINX_HTTP_PORT')}/api/whoami`
  const targets: Array<[string, string, string?]> = [
    ['one replica, direct', `http://${LOCALHOST}:${replicaPort(env, 'app1')}/api/whoami`],
    ...Object.values(ENGINES).map(
      (engine) =>
        [`${engineVersion(engine.name)}, ${REPLICAS} replicas (least_conn)`, balancer, engine.name] as [
          string,
          string,
          string,
        ],
    ),
  ]
  const measured = paths(targets)
  // Failures, a rollout and a slowed replica, under each engine in turn.
  const engines = compareEngines({ root, lab, k6, label: engineVersion }, Object.keys(ENGINES))
  writeFileSync(join(root, 'docs/engines.svg'), engines.svg)
  // The rest runs on the engine the stack had.
  lab({ LB_ENGINE: env.get('LB_ENGINE'), LB_STRATEGY: 'least_conn', LB_DRAINED: '' })

  // 1 to 6 replicas, each count measured twice: I/O-bound work and CPU-bound work. Clients
  // grow with the replicas, so the load generator is never what caps the figure.
  lab({ LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
  const scaling: Array<[n: number, io: number, cpu: number]> = []
  for (const n of [1, 2, 3, 4, 5, 6]) {
    scale(n)
    const rate = (kind: string, work: string, vus: number) =>
      k6('scaling.ts', `scaling-${kind}-${n}`, [`WORK=${work}`, `VUS=${vus}`, `REPLICAS_IN_ROTATION=${n}`])
        .metrics.work_done.values.rate as number
    scaling.push([n, rate('ms', 'ms=50', 16 * n), rate('cpu', 'cpu=5', 6 * n)])
  }
  scale(3)
  writeFileSync(
    join(root, 'docs/scaling.svg'),
    lineChart('Work done per second, by replicas in rotation', 'replicas', 'work done per second', [
      { name: 'I/O bound', color: '#1f77b4', points: scaling.map(([n, io]) => [n, Math.round(io)]) },
      {
        name: 'CPU bound',
        color: '#d62728',
        points: scaling.map(([n, , cpu]) => [n, Math.round(cpu)]),
      },
    ]),
  )
  const strategies: Array<[string, Record<string, number>, Record<string, number>, number]> = []
  for (const strategy of ['round_robin', 'least_conn']) {
    lab({ LB_STRATEGY: strategy, LB_DRAINED: '' })
    const data = k6('strategies.ts', `strategies-${strategy}`, [`STRATEGY=${strategy}`])
    const shedCount = ['fast', 'slow'].reduce(
      (sum, kind) => sum + (data.metrics[`shed{kind:${kind}}`]?.values.count ?? 0),
      0,
    )
    strategies.push([
      strategy,
      data.metrics['http_req_duration{kind:fast}'].values,
      data.metrics['http_req_duration{kind:slow}'].values,
      shedCount / data.metrics.http_reqs.values.count,
    ])
  }

  // Overload: what shedding keeps (goodput) and turns away, at 2x, 5x and 10x capacity.
  lab({ LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
  const overload: Array<[number, number, number, number, number | undefined]> = []
  for (const multiple of [2, 5, 10]) {
    const data = k6('overload.ts', `overload-${multiple}x`, [
      `MULTIPLE=${multiple}`,
      `MS=${OVERLOAD_MS}`,
      `WORK_CONCURRENCY=${SLOTS}`,
    ])
    const count = (answer: string) => data.metrics[`work_answers{answer:${answer}}`]?.values.count ?? 0
    const [done, shed, other] = [count('done'), count('shed') + count('shed_waited'), count('other')]
    const seconds = data.state.testRunDurationMs / 1000
    overload.push([
      multiple,
      done / seconds,
      shed / Math.max(done + shed + other, 1),
      other,
      data.metrics.shed_duration?.values['p(99)'],
    ])
  }

  const [, ioOne = 1, cpuOne = 1] = scaling[0] ?? []
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`make bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, of commit`,
    `${commit}; \`make bench\` again replaces these figures with your machine's. Native mode,`,
    'everything on one machine (the load generator competes with the stack for the same cores).',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB;`,
    `Node ${process.version}; ${version(K6, ['version'])}; ${Object.keys(ENGINES).map(engineVersion).join(', ')}.`,
    `Configuration: ${REPLICAS} replicas, WORK_CONCURRENCY=${SLOTS}, WORK_QUEUE_TIMEOUT_MS=${QUEUE_MS},`,
    `UPSTREAM_READ_TIMEOUT=${READ_TIMEOUT} (.env.example, then .env).`,
    '',
    '## The balancer path: GET /api/whoami, direct and through each engine (wrk, 8 s per run)',
    '',
    'What the balancer adds to a request: its access logs, header checks, rate limits and the proxy',
    'hop, with the same front in both engines (LB_ENGINE switched on the running stack). Two',
    'rounds, the paths taking turns; each figure is the range over the rounds. On two shared cores',
    'the load generator, the balancer and the replicas compete: compare paths within one run, not',
    'across machines.',
    '',
    '| path | 1 client: p50 | 1 client: p99 | 32 clients: requests/s | failed |',
    '|---|---|---|---|---|',
    ...targets.map(([name]) => {
      const { one: c1 = [], many: c32 = [] } = measured.get(name) ?? {}
      const failed = [...c1, ...c32].reduce((sum, run) => sum + run.errors, 0)
      return `| ${name} | ${range(c1, (r) => r.p50, micros)} | ${range(c1, (r) => r.p99, micros)} | ${range(c32, (r) => r.requestsPerSecond, thousands)} | ${failed} |`
    }),
    '',
    ...engines.lines,
    '## Scaling out: 1 to 6 replicas (make scale), 10 s each',
    '',
    '![Work done per second by replicas in rotation](scaling.svg)',
    '',
    `I/O bound (\`/api/work?ms=50\`, 16 clients per replica): each replica does at most ${SLOTS} pieces of`,
    `work at once (WORK_CONCURRENCY), so one caps near ${SLOTS} × 1000/50 = ${SLOTS * 20} per second, and waiting`,
    `costs no CPU: every replica adds its ${SLOTS * 20}. CPU bound (\`/api/work?cpu=5\`, 6 clients per`,
    'replica): 5 ms of CPU each, one at a time per Node process, so one replica caps near 200 per',
    "second, and all of them together at what this machine's cores can compute, shared with nginx",
    'and k6. Past that, another replica adds nothing: that is when a service outgrows one machine,',
    'and scaling out means more machines, not more processes. What a replica cannot queue it',
    'sheds, and the clients honour Retry-After: the figures are goodput, work done per second.',
    '',
    '| replicas in rotation | I/O bound, done/s | vs one | CPU bound, done/s | vs one |',
    '|---|---|---|---|---|',
    ...scaling.map(
      ([n, io, cpu]) =>
        `| ${n} | ${io.toFixed(0)} | ${(io / ioOne).toFixed(2)}× | ${cpu.toFixed(0)} | ${(cpu / cpuOne).toFixed(2)}× |`,
    ),
    '',
    '## Strategies: 400 requests/s, 90% take 5 ms and 10% take 400 ms, 20 s',
    '',
    `Near capacity (${REPLICAS * SLOTS} work slots in all; the slow requests alone keep about 16 busy). Round robin`,
    'keeps sending fast requests to a replica whose slots are full of slow ones, so they queue, and',
    'past its queue the replica sheds them (503); least_conn sends them where fewer connections are open.',
    '',
    '| strategy | fast p50 | fast p95 | fast p99 | slow p50 | slow p99 | shed (503) |',
    '|---|---|---|---|---|---|---|',
    ...strategies.map(
      ([name, fast, slow, shedShare]) =>
        `| ${name} | ${ms(fast.med)} | ${ms(fast['p(95)'])} | ${ms(fast['p(99)'])} | ${ms(slow.med)} | ${ms(slow['p(99)'])} | ${(shedShare * 100).toFixed(1)}% |`,
    ),
    '',
    `## Overload: /api/work?ms=${OVERLOAD_MS} at 2x, 5x and 10x capacity, 8 s, plus /api/whoami 20/s`,
    '',
    `Capacity: ${REPLICAS} replicas × ${SLOTS} slots × ${1000 / OVERLOAD_MS} per second = ${CAPACITY} requests per second. Each replica queues`,
    `at most ${SLOTS} more, each for at most WORK_QUEUE_TIMEOUT_MS (${QUEUE_MS} ms), and answers the rest at once`,
    `with 503 and Retry-After, so no request reaches nginx's ${READ_TIMEOUT} read timeout: no 502 or 504, and`,
    'no replica is taken out of rotation by its own overload. The shed p99 is measured by k6, on the',
    'same two cores as everything else: at 10x it is mostly k6 and nginx waiting for a CPU.',
    '',
    '| offered | goodput (200/s) | of capacity | shed (503) | shed p99 | other answers (502, 504, ...) |',
    '|---|---|---|---|---|---|',
    ...overload.map(
      ([multiple, goodput, shed, other, p99]) =>
        `| ${multiple}x (${multiple * CAPACITY}/s) | ${goodput.toFixed(0)} | ${((goodput / CAPACITY) * 100).toFixed(0)}% | ${(shed * 100).toFixed(1)}% | ${ms(p99)} | ${other} |`,
    ),
    '',
  ]
  writeFileSync(join(root, 'docs/results.md'), lines.join('\n'))
  console.log(lines.join('\n'))
} finally {
  scale(3)
  lab({ LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
}
