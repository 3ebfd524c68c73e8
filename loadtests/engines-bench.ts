// make bench's comparison of the balancer engines on the same stack and the same work: a killed
// and a frozen replica, a rollout with POSTs, and the strategies under one slowed replica. Each
// engine in turn becomes the running stack's balancer (LB_ENGINE), the scripts are make test's
// own (loadtests/run.ts), read here for figures rather than verdicts.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BarGroup, barChart } from './plot.ts'

// biome-ignore lint/suspicious/noExplicitAny: k6 summary JSON
type Summary = any

export interface EngineBench {
  root: string
  /** The lab CLI with extra environment (`up` by default). */
  lab(env: Record<string, string>, args?: string[]): void
  /** A k6 script's summary (its exit code 99, a threshold, is a figure here, not a failure). */
  k6(script: string, name: string, env: string[]): Summary
  /** "nginx 1.30.6": the engine as it runs natively. */
  label(engine: string): string
}

/** Strategies both engines have, compared under a slowed replica. */
const STRATEGIES = ['round_robin', 'least_conn', 'random_two']
const SLOW = 'app2'
const SLOW_MS = 200

interface Row {
  engine: string
  failover: Summary
  rollout: Summary
  slow: Array<[strategy: string, share: number, p50: number, p99: number, failed: number]>
}

/** A loadtests/run.ts plan; its k6 summary (written under its own name). */
function runPlan(root: string, plan: string): Summary {
  const run = spawnSync(process.execPath, [join(root, 'loadtests/run.ts'), plan], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (run.status !== 0 && run.status !== 99)
    throw new Error(`loadtests/run.ts ${plan} failed (exit ${run.status})`)
  return JSON.parse(readFileSync(join(root, 'loadtests/results', `${plan}.json`), 'utf8'))
}

const count = (data: Summary, metric: string) => data.metrics[metric]?.values.count ?? 0
const failed = (data: Summary) =>
  Math.round(count(data, 'http_reqs') * (data.metrics.http_req_failed?.values.rate ?? 0))

export function compareEngines(bench: EngineBench, engines: string[]): { lines: string[]; svg: string } {
  const rows: Row[] = []
  for (const engine of engines) {
    bench.lab({ LB_ENGINE: engine, LB_STRATEGY: 'least_conn', LB_DRAINED: '' })
    const failover = runPlan(bench.root, 'failover')
    const rollout = runPlan(bench.root, 'rollout')
    const slow: Row['slow'] = []
    bench.lab({}, ['fault', SLOW, `latency=${SLOW_MS}ms`, 'routes=/api/whoami'])
    try {
      for (const strategy of STRATEGIES) {
        bench.lab({ LB_ENGINE: engine, LB_STRATEGY: strategy, LB_DRAINED: '' })
        const data = bench.k6('slow-replica.ts', `slow-${engine}-${strategy}`, [
          `NAME=slow-${engine}-${strategy}`,
        ])
        const total = count(data, 'http_reqs')
        const duration = data.metrics.http_req_duration.values
        slow.push([
          strategy,
          count(data, `answered{replica:${SLOW}}`) / Math.max(total, 1),
          duration.med,
          duration['p(99)'],
          failed(data),
        ])
      }
    } finally {
      bench.lab({}, ['fault', SLOW, 'clear'])
    }
    rows.push({ engine, failover, rollout, slow })
  }
  bench.lab({ LB_STRATEGY: 'least_conn', LB_DRAINED: '' })

  const seconds = (n: number | undefined) => (n === undefined ? 'never' : `${n.toFixed(1)} s`)
  const msOf = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`)
  const values = (data: Summary, metric: string) => data.metrics[metric]?.values ?? {}
  const lines = [
    '## The engines compared: failures, a rollout and a slowed replica (k6)',
    '',
    'Each engine in turn balances the same three replicas, with the checks and timeouts',
    '`.env.example` gives it (nginx: passive, `UPSTREAM_MAX_FAILS` and `UPSTREAM_FAIL_TIMEOUT`;',
    'HAProxy: `/ready` every `LB_CHECK_INTERVAL`, slow start). `make test` runs the same scripts',
    'as verdicts; here they give figures. Failover: 50 GETs/s for 47 s, app2 killed at 5 s, started',
    'at 12 s, paused (SIGSTOP) at 24 s, unpaused at 32 s. Rollout: every TypeScript replica',
    'restarted one at a time under 40 iterations/s of two POSTs and a GET.',
    '',
    '| engine | failover: failed | back after start | paused: requests held (> 250 ms) | paused: worst wait | paused: sent to it until | back after unpause | rollout: failed of | rollout p99 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(({ engine, failover, rollout }) => {
      const pause = values(failover, 'http_req_duration{phase:pause}')
      return `| ${bench.label(engine)} | ${failed(failover)} of ${count(failover, 'http_reqs')} | ${seconds(values(failover, 'target_back_seconds{event:start}').min)} | ${count(failover, 'slowed{phase:pause}')} | ${msOf(pause.max)} | ${seconds(values(failover, 'still_sent_seconds{phase:pause}').max)} after the pause | ${seconds(values(failover, 'target_back_seconds{event:unpause}').min)} | ${failed(rollout)} of ${count(rollout, 'http_reqs')} | ${msOf(values(rollout, 'http_req_duration')['p(99)'])} |`
    }),
    '',
    `### One replica slowed by ${SLOW_MS} ms (a latency fault on ${SLOW}), 8 clients one request after another, 10 s`,
    '',
    'What each strategy still gives the slow replica, and what that costs: round robin does not',
    'look; least_conn sees the slow replica hold its connections longer; random_two picks the less',
    'busy of two replicas drawn at random: two distinct ones in nginx, two independent draws in',
    'HAProxy (its get_server_rnd), which are the same replica one time in nine. (least_time, which',
    'times the answers, is in nginx 1.31; the lab runs 1.30: nginx/README.md says why.)',
    '',
    '![Share of requests the slowed replica got, by strategy and engine](engines.svg)',
    '',
    `| engine | strategy | ${SLOW}'s share | p50 | p99 | failed |`,
    '|---|---|---|---|---|---|',
    ...rows.flatMap(({ engine, slow }) =>
      slow.map(
        ([strategy, share, p50, p99, fails]) =>
          `| ${bench.label(engine)} | ${strategy} | ${(share * 100).toFixed(0)}% | ${msOf(p50)} | ${msOf(p99)} | ${fails} |`,
      ),
    ),
    '',
  ]
  const groups: BarGroup[] = STRATEGIES.map((strategy) => ({
    name: strategy,
    bars: rows.map(({ engine, slow }) => ({
      name: bench.label(engine),
      value: Math.round((slow.find(([s]) => s === strategy)?.[1] ?? 0) * 100),
    })),
  }))
  const svg = barChart(`Share of requests to a replica slowed by ${SLOW_MS} ms`, '% of requests', groups, [
    '#2ca02c',
    '#1f77b4',
  ])
  return { lines, svg }
}
