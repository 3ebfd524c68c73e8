// The parts of `make test` (test/run.ts): the suites on a native stack, then the end-to-end suites
// on a Docker one (compose.yaml brought up as users run it), but for those it would only repeat.
// Each part says what it needs; the recorder decides whether it runs.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'
import { chromium } from './lib/chromium.ts'
import { kubernetesPart } from './parts-k8s.ts'
import { type Outcome, outputTail, type Recorder } from './recorder.ts'

const NODE = join(repoRoot, 'node_modules/.bin/node')
const LAB = join(repoRoot, 'tools/lab/src/cli.ts')
const RESULTS = join(repoRoot, 'test/results')

/**
 * Runs a command from the repository root, its output on the terminal (and its last lines kept for
 * the closing table); resolves with its exit code.
 */
export function sh(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['inherit', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      outputTail.push(chunk)
    })
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk)
      outputTail.push(chunk)
    })
    child.on('error', () => resolve(127))
    child.on('exit', (code, signal) => {
      // Its last output may still be in the pipe; a daemon it left holding the pipe must not hold
      // the run, so no more than a second for it.
      const done = () => resolve(code ?? (signal ? 128 : 1))
      child.on('close', done)
      setTimeout(done, 1000).unref()
    })
  })
}

/** The same, keeping what it prints on stdout (stderr still on the terminal). */
export function capture(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      process.stderr.write(chunk)
      outputTail.push(chunk)
    })
    child.on('error', () => resolve({ code: 127, stdout, stderr }))
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout: stdout.trim(), stderr: stderr.trim() }))
  })
}

/** The tests that reported themselves skipped or todo in a JUnit file (node --test's or pytest's). */
export function skippedIn(junit: string): string[] {
  if (!existsSync(junit)) return []
  const xml = readFileSync(junit, 'utf8')
  return [
    ...xml.matchAll(/<testcase\b[^>]*?\bname="([^"]*)"[^>]*>\s*<skipped\b[^>]*?message="([^"]*)"/g),
  ].map(([, name, why]) => `${name} (${why})`)
}

/** node --test over some files, one at a time, each test bounded; skips read back from JUnit. */
export async function nodeTests(
  name: string,
  files: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  mkdirSync(RESULTS, { recursive: true })
  const junit = join(RESULTS, `junit-${name}.xml`)
  rmSync(junit, { force: true })
  const code = await sh(
    NODE,
    [
      '--test',
      '--test-concurrency=1',
      // A test that hangs fails after 10 minutes instead of holding CI until its own limit.
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=junit',
      `--test-reporter-destination=${junit}`,
      ...files,
    ],
    env,
  )
  return { code, skipped: skippedIn(junit) }
}

const needsChromium = () => chromium().missing
const needsK6 = () =>
  existsSync(join(repoRoot, 'bin/k6')) ? undefined : 'bin/k6 is missing (make bin/k6 builds it; it needs Go)'

/** The suites on a native stack (the same ports and state folder as `make up`). */
export async function nativePart(recorder: Recorder): Promise<void> {
  const env = { MODE: 'native' }
  const suites = [
    'native: pytest',
    'native: unit',
    'native: e2e',
    'native: lab, static',
    'native: own set',
    'native: workshop',
    'native: browser',
    'native: k6',
    'native haproxy: up',
    'native haproxy: e2e',
    'native haproxy: k6',
  ]
  const up = await recorder.step('native: up', ['native'], () => sh(NODE, [LAB, 'up'], env))
  try {
    if (!up) return await recorder.blocked(suites, ['native'], 'the native stack did not come up')
    await recorder.step('native: pytest', ['native'], async () => {
      const junit = join(RESULTS, 'junit-pytest.xml')
      rmSync(junit, { force: true })
      const code = await sh('make', ['-s', '--no-print-directory', 'pytest'], {
        ...env,
        PYTEST_ADDOPTS: `--junitxml=${junit}`,
      })
      return { code, skipped: skippedIn(junit) }
    })
    await recorder.step('native: unit', ['native'], () =>
      nodeTests('native-unit', ['services/app/test/**/*.test.ts', 'services/console/test/*.test.ts'], env),
    )
    await recorder.step('native: e2e', ['native'], () => nodeTests('native-e2e', ['test/e2e/*.test.ts'], env))
    await recorder.step('native: lab, static', ['native'], () =>
      nodeTests('native-lab', ['test/lab/*.test.ts', 'test/static/*.test.ts'], env),
    )
    await ownSetPart(recorder, 'native', env)
    // Each lesson's page typed as a student would, its checkpoint passing (lessons/README.md).
    await recorder.step('native: workshop', ['native'], () =>
      nodeTests('native-workshop', ['test/lessons/*.test.ts'], env),
    )
    await recorder.step(
      'native: browser',
      ['native', 'browser'],
      () => nodeTests('native-browser', ['test/browser/*.test.ts'], env),
      needsChromium,
    )
    await recorder.step(
      'native: k6',
      ['native', 'k6'],
      () => nodeTests('native-k6', ['test/k6/*.test.ts'], env),
      needsK6,
    )
    await haproxyPart(recorder)
  } finally {
    if (up && !recorder.plan) await sh(NODE, [LAB, 'down'], env)
  }
}

/**
 * The suites whose subject is the balancer, again with HAProxy in its place (LB_ENGINE=haproxy,
 * natively: `up` swaps the engine on the running stack). What only the replicas, the data or a
 * run mode decide (notes, dependencies, the Docker .env, the lab's own tools) runs once, above.
 * Where the engines differ, a test says which does what (test/lib/stack.ts ENGINE).
 */
export const ENGINE_SUITES = [
  'adversarial',
  'bounds',
  'console',
  'distribution',
  'edge',
  'failover',
  'faults',
  'headers',
  'hostile',
  'media',
  'observability',
  'scale',
  'security',
  'sessions',
  'tls',
  'writes',
]

/** Every end-to-end file, by path. */
const e2eFiles = () =>
  readdirSync(join(repoRoot, 'test/e2e'))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `test/e2e/${name}`)

/**
 * The end-to-end suites Docker mode would only repeat. distribution: what it measures is the
 * engine's choice among replicas (run natively under both engines), and the one thing Docker
 * mode changes for it, a strategy switched through the config service, the Docker browser suite
 * does too (its round_robin and least_conn); it took 326 s of the Docker part's 899 (CI run 22).
 * adversarial, bounds, headers, hostile: what a request may be, decided by the engine's config
 * and the replicas' code alone, the same files and the same nginx (1.30.6) in both modes; no
 * address, path or signal of a mode takes part (security, which limits by client address, and
 * tls, whose certificate Docker mode places, still run there). alerts: Prometheus's rules and
 * scrapes decide when an alert fires, not the engine or the mode (33 s a run).
 */
const NATIVE_ONLY_SUITES = ['adversarial', 'alerts', 'bounds', 'distribution', 'headers', 'hostile']

/** What crosses an engine's Docker wiring: its ports, TLS, console, logs, failover, metrics, runtime API. */
const DOCKER_ENGINE_SUITES = ['console', 'edge', 'failover', 'observability', 'scale', 'tls']

async function haproxyPart(recorder: Recorder): Promise<void> {
  const env = { MODE: 'native', LB_ENGINE: 'haproxy' }
  const up = await recorder.step('native haproxy: up', ['native'], () => sh(NODE, [LAB, 'up'], env))
  try {
    if (!up)
      return await recorder.blocked(
        ['native haproxy: e2e', 'native haproxy: k6'],
        ['native'],
        'HAProxy did not come up',
      )
    await recorder.step('native haproxy: e2e', ['native'], () =>
      nodeTests(
        'haproxy-e2e',
        ENGINE_SUITES.map((name) => `test/e2e/${name}.test.ts`),
        env,
      ),
    )
    // Replicas lost and replaced under load: what the engine's retries and draining decide.
    await recorder.step(
      'native haproxy: k6',
      ['native', 'k6'],
      () => nodeTests('haproxy-k6', ['test/k6/rollout.test.ts'], env),
      needsK6,
    )
  } finally {
    // `up` remembers the engine (as it does counts): nginx again, for what runs after.
    if (!recorder.plan) await sh(NODE, [LAB, 'up'], { ...env, LB_ENGINE: 'nginx' })
  }
}

/**
 * compose.yaml brought up as users run it, on a real engine (under CI, a private one it starts),
 * then the end-to-end, browser and k6 suites again; `down --volumes` at the end, whatever happened.
 */
export async function dockerPart(recorder: Recorder): Promise<void> {
  const suites = [
    'docker: images',
    'docker: up',
    'docker: e2e',
    'docker: browser',
    'docker: workshop',
    'docker: k6',
    'docker: own set',
    'docker haproxy: up',
    'docker haproxy: e2e',
  ]
  let host = ''
  const engine = await recorder.step(
    'docker: engine',
    ['docker'],
    async () => {
      const started = await capture(join(repoRoot, 'tools/docker/engine.sh'), ['start'])
      host = started.stdout
      return started.code
    },
    async () => {
      const check = await capture(join(repoRoot, 'tools/docker/engine.sh'), ['check'])
      return check.code === 0 ? undefined : check.stderr || `tools/docker/engine.sh check: exit ${check.code}`
    },
  )
  if (!engine) {
    await recorder.blocked(suites, ['docker'], 'no Docker engine')
    return kubernetesPart(recorder, undefined)
  }
  const env: Record<string, string> = { MODE: 'docker', ...(host ? { DOCKER_HOST: host } : {}) }
  // A .env this part writes (fresh secrets) must not outlive it: native mode reads .env too.
  const wroteEnv = !existsSync(join(repoRoot, '.env'))
  let started = false
  try {
    const images = await recorder.step('docker: images', ['docker'], async () => {
      // Compose v2 builds from source where the CLI has none (minutes, once): meanwhile the
      // image stand-ins are built.
      const compose = capture(join(repoRoot, 'tools/docker/compose-plugin.sh'), [])
      const standins = await sh(join(repoRoot, 'tools/docker/standins.sh'), [], env)
      return Math.max(standins, (await compose).code)
    })
    const up =
      images &&
      (await recorder.step('docker: up', ['docker'], async () => {
        started = true
        // Without a .env, data an earlier run left (killed before its reset) was made with other
        // passwords, and `up` would refuse it: this part starts from none.
        if (wroteEnv) {
          const reset = await sh(NODE, [LAB, 'reset'], env)
          if (reset !== 0) return reset
        }
        const code = await sh(NODE, [LAB, 'up'], env)
        return code === 0 ? reachable(env) : code
      }))
    if (!up)
      return await recorder.blocked(
        suites.slice(images ? 2 : 1),
        ['docker'],
        'the Docker stack did not come up',
      )
    await recorder.step('docker: e2e', ['docker'], () =>
      nodeTests(
        'docker-e2e',
        e2eFiles().filter((file) => !NATIVE_ONLY_SUITES.some((name) => file.endsWith(`/${name}.test.ts`))),
        env,
      ),
    )
    await recorder.step(
      'docker: browser',
      ['docker', 'browser'],
      () => nodeTests('docker-browser', ['test/browser/*.test.ts'], env),
      needsChromium,
    )
    // The lessons whose steps cross Docker mode's own verbs (their checkpoint's `alsoIn`).
    await recorder.step('docker: workshop', ['docker'], () =>
      nodeTests('docker-workshop', ['test/lessons/*.test.ts'], env),
    )
    // The failover and rollouts only: what Docker mode changes under load is how a replica is
    // killed, paused and restarted (a container's signals, Compose's restart), and k6 in its
    // container. test/k6/replicas.test.ts and k6.test.ts run once, natively: what they measure
    // (shares, stickiness, scaling, media, sessions under a kill) is the engine's and the
    // replicas' doing, and docker: e2e crosses the same verbs (scale, media, sessions) in this
    // mode; k6.test.ts took 195 s of this part (CI run 48).
    await recorder.step('docker: k6', ['docker', 'k6'], () =>
      nodeTests('docker-k6', ['test/k6/rollout.test.ts'], env),
    )
    await ownSetPart(recorder, 'docker', env)
    // HAProxy in nginx's place on the same stack: what the engine changes in Docker mode is its
    // wiring (compose.yaml's profile, the rendered volume, signals, its log on stdout, Prometheus's
    // job), which these suites cross; what HAProxy itself does ran natively (ENGINE_SUITES).
    const haproxy = { ...env, LB_ENGINE: 'haproxy' }
    if (await recorder.step('docker haproxy: up', ['docker'], () => sh(NODE, [LAB, 'up'], haproxy)))
      await recorder.step('docker haproxy: e2e', ['docker'], () =>
        nodeTests(
          'docker-haproxy-e2e',
          DOCKER_ENGINE_SUITES.map((name) => `test/e2e/${name}.test.ts`),
          haproxy,
        ),
      )
    else await recorder.blocked(['docker haproxy: e2e'], ['docker'], 'HAProxy did not come up in Docker mode')
  } finally {
    if (!recorder.plan) {
      if (started) await sh(NODE, [LAB, 'reset'], env)
      if (wroteEnv) rmSync(join(repoRoot, '.env'), { force: true })
    }
    // On the engine's images, with the Docker stack gone (its memory and processors free).
    await kubernetesPart(recorder, env)
    if (!recorder.plan) await sh(join(repoRoot, 'tools/docker/engine.sh'), ['stop'])
  }
}

/**
 * A team's own service beside the lab's sets (sets/README.md): the Go example (sets/go.json), up
 * with SETS=go on the running stack, its suite, then `up` without it again for what runs after. Docker mode builds its image (Go's stand-in
 * comes with the others in `docker: images`).
 */
async function ownSetPart(recorder: Recorder, mode: 'native' | 'docker', env: Record<string, string>) {
  const withGo = { ...env, SETS: 'go' }
  await recorder.step(`${mode}: own set`, [mode], async () => {
    // Its own tests first, natively, as its team runs them.
    if (mode === 'native') {
      const unit = await sh('go', ['-C', 'examples/go-notes', 'test', './...'])
      if (unit !== 0) return unit
    }
    const up = await sh(NODE, [LAB, 'up'], withGo)
    try {
      return up === 0 ? await nodeTests(`${mode}-own-set`, ['test/sets/*.test.ts'], withGo) : up
    } finally {
      // `up` without SETS stops the set's replicas (natively) or removes them (Compose's orphans).
      if (!recorder.plan) await sh(NODE, [LAB, 'up'], env)
    }
  })
}

/** The suites reach replicas and Postgres on their backend addresses: a Linux engine's networks. */
async function reachable(env: Record<string, string>): Promise<number> {
  const { code, stdout } = await capture(
    NODE,
    ['-e', "import('./test/lib/stack.ts').then((s) => console.log(s.replicaUrl('app1')))"],
    env,
  )
  if (code !== 0) return code
  const probe = await fetch(`${stdout}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined)
  if (probe?.ok) return 0
  console.error(
    `docker: this machine cannot reach ${stdout} (the suites need a Linux engine, whose networks the host routes to)`,
  )
  return 1
}
