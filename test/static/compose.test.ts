import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { REPLICA_ENV } from '../../tools/lab/src/contract.ts'
import { HAPROXY_VERSION } from '../../tools/lab/src/engines/haproxy/index.ts'
import { ENGINES } from '../../tools/lab/src/engines/index.ts'
import { NGINX_VERSION } from '../../tools/lab/src/engines/nginx/config.ts'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { consoleOrigins, consoleService } from '../../tools/lab/src/modes/native/services/console.ts'
import { replica, services } from '../../tools/lab/src/modes/native/services/index.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import {
  COMPOSE_PROJECT,
  CONSOLE_CONTAINER_PORT,
  CONSOLE_CONTAINER_SYSLOG_PORT,
  DOCKER_BACKEND_HOSTS,
  DOCKER_FRONTEND_HOSTS,
  dockerAddress,
  dockerBackendAddress,
  OBJECTSTORE_CONTAINER_PORT,
  parseReplica,
  replicaSet,
  SET_NAMES,
} from '../../tools/lab/src/topology.ts'
import { composeProject, composeRaw, composeText } from '../lib/compose.ts'

interface ComposeService {
  image: string
  build?: unknown
  healthcheck?: { test?: string[] }
  depends_on?: Record<string, { condition: string }>
  environment: Record<string, string>
  [key: string]: unknown
}

const env = loadLabEnv({})
const exampleText = readFileSync(join(repoRoot, '.env.example'), 'utf8')
const SECRETS = [...env.values.keys()].filter((key) => /PASSWORD|SECRET/.test(key))
const ONE_SHOT = new Set(['config', 'migrate', 'k6'])
const BACKEND = [
  'redis',
  'pg-primary',
  'pg-replica',
  'app',
  'py',
  'console',
  'migrate',
  'redis-exporter',
  'postgres-exporter',
  'nginx-exporter',
]

describe('compose.yaml (Docker mode, checked without Docker)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'lb-lab-compose-'))
  after(() => rmSync(scratch, { recursive: true, force: true }))

  it('is valid for Compose itself: its loader checks the Compose Specification schema', async () => {
    const project = await composeProject()
    assert.equal(project.name, 'lb-lab')
    assert.equal(composeRaw().version, undefined, 'no obsolete version: key')
  })

  it('refuses to start without each secret: none has a default', async () => {
    assert.ok(SECRETS.length >= 7, SECRETS.join(', '))
    for (const secret of SECRETS) {
      const file = join(scratch, `without-${secret}.env`)
      writeFileSync(file, exampleText.replace(new RegExp(`^${secret}=.*$`, 'm'), ''))
      await assert.rejects(composeProject(file), new RegExp(`required variable ${secret} is missing`), secret)
    }
    const literals = SECRETS.map((key) => env.get(key)).filter((value) => composeText().includes(value))
    assert.deepEqual(literals, [], 'a password literal in compose.yaml')
  })

  it('reads only variables .env.example declares (and documents)', () => {
    const code = composeText()
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n')
    const used = new Set([...code.matchAll(/\$\{([A-Z0-9_]+)/g)].map(([, name]) => name as string))
    assert.deepEqual(
      [...used].filter((name) => !env.values.has(name)),
      [],
    )
  })

  it('uses the .env.example value wherever it falls back to a default', () => {
    const defaults = [...composeText().matchAll(/\$\{([A-Z0-9_]+):-([^}]*)\}/g)]
    assert.ok(defaults.length > 10)
    for (const [, key, fallback] of defaults) {
      // An empty default is allowed where .env.example leaves the value empty (CONSOLE_TOKEN).
      assert.equal(
        fallback,
        env.values.get(key as string),
        `\${${key}:-${fallback}} differs from .env.example`,
      )
    }
  })

  it('has every native service, under the same name', async () => {
    const project = await composeProject()
    // Native mode's log-keeper does what Docker's logging driver does (x-logging); replica app2
    // is a container of the scaled service app.
    const missing = services(env)
      .map((s) => parseReplica(s.name)?.set ?? s.name)
      .filter((name) => name !== 'log-keeper' && !(name in project.services))
    assert.deepEqual(missing, [])
  })

  // REPLICA_ID aside: natively the lab sets it, in Docker mode each container takes its name from
  // Compose's (the scale test checks the names the replicas give).
  const withoutId = (keys: string[]) => keys.filter((key) => key !== 'REPLICA_ID').sort()

  it("gives every replica set the contract's variables, the same in both modes (contract/replica-env.json)", async () => {
    const project = await composeProject()
    const contract = withoutId(Object.keys(REPLICA_ENV))
    for (const set of SET_NAMES) {
      const docker = Object.keys(project.services[set].environment).sort()
      // What the set's process adds of its own (Gunicorn's settings; PYTHON* are the image's).
      const native = withoutId(Object.keys(replica(env, `${set}1`).command().env ?? {})).filter(
        (key) => !key.startsWith('PYTHON'),
      )
      assert.deepEqual(docker, native, `${set}: Docker mode and native mode differ`)
      assert.deepEqual(
        contract.filter((key) => !docker.includes(key)),
        [],
        `${set}: contract variables not set`,
      )
      assert.equal(project.services[set].environment.SESSION_COOKIE_NAME, env.get(replicaSet(set).cookieKey))
    }
  })

  it('publishes the ports .env.example names, the balancer on all interfaces, the rest on 127.0.0.1 only', () => {
    const raw = composeRaw()
    const published: Record<string, string[]> = {}
    for (const [name, service] of Object.entries<{ ports?: string[] }>(raw.services)) {
      for (const port of service.ports ?? []) {
        const match = /^(127\.0\.0\.1:)?\$\{([A-Z_]+):-(\d+)\}:\d+$/.exec(port)
        assert.ok(match, `${name}: ${port} must be \${VAR:-default}:container`)
        const [, host, key, fallback] = match
        assert.equal(fallback, env.get(key as string), `${name}: default of ${key} differs from .env.example`)
        published[name] = [...(published[name] ?? []), host ? 'loopback' : 'all']
      }
    }
    assert.deepEqual(published, {
      nginx: ['all', 'all'],
      haproxy: ['all', 'all'],
      prometheus: ['loopback'],
      grafana: ['loopback'],
    })
  })

  it('keeps backend services on the internal network only', async () => {
    const project = await composeProject()
    assert.equal(project.networks.backend.internal, true)
    for (const name of BACKEND) {
      assert.deepEqual(Object.keys(project.services[name].networks ?? {}), ['backend'], name)
    }
  })

  it('pins every image, checks the health of every long-running service, and orders start-up by health', async () => {
    const project = await composeProject()
    for (const [name, service] of Object.entries(project.services) as Array<[string, ComposeService]>) {
      if (!service.build) {
        assert.match(
          service.image,
          /:[^:]*\d+\.\d+/,
          `${name}: image ${service.image} not pinned to a version`,
        )
        assert.doesNotMatch(service.image, /:latest$/, name)
      }
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        const expected = ONE_SHOT.has(dependency) ? 'service_completed_successfully' : 'service_healthy'
        assert.equal(condition.condition, expected, `${name} -> ${dependency}`)
      }
      // The nginx exporter's image is scratch: nothing inside can probe it (Prometheus's up does).
      if (!ONE_SHOT.has(name) && name !== 'nginx-exporter')
        assert.ok(service.healthcheck?.test, `${name}: no healthcheck`)
    }
    for (const name of ['app', 'py', 'nginx', 'haproxy', 'redis']) {
      assert.equal(project.services[name].init, true, `${name}: init: true, so signals reach the process`)
    }
  })

  it('runs each balancer engine as its own profile, of the version native mode runs, at the same addresses', async () => {
    const project = await composeProject()
    const natively = { nginx: NGINX_VERSION, haproxy: HAPROXY_VERSION }
    for (const [name, version] of Object.entries(natively)) {
      const service = project.services[name]
      assert.equal(service.image, `${name}:${version}`, `${name}: the image of the version native mode runs`)
      assert.deepEqual(service.profiles, [name], `${name}: its own profile, so one engine runs at a time`)
      assert.deepEqual(service.networks, project.services.nginx.networks, `${name}: the balancer's addresses`)
    }
    assert.deepEqual(Object.keys(natively).sort(), Object.keys(ENGINES).sort())
    assert.equal(project.services['nginx-exporter'].profiles?.[0], 'nginx')
  })

  it("caps every container's log: json-file, LOG_MAX_SIZE per file, three files", async () => {
    const project = await composeProject()
    for (const [name, service] of Object.entries(project.services) as Array<[string, ComposeService]>) {
      const logging = service.logging as { driver?: string; options?: Record<string, string> } | undefined
      assert.equal(logging?.driver, 'json-file', `${name}: logging driver`)
      assert.equal(logging?.options?.['max-size'], env.get('LOG_MAX_SIZE'), `${name}: max-size`)
      assert.equal(logging?.options?.['max-file'], '3', `${name}: max-file`)
    }
  })

  it('gives each container the fixed address topology.ts says nginx, the tests and the replicas dial', async () => {
    const project = await composeProject()
    const at = (network: string, host: number) =>
      dockerAddress(env.get(network === 'backend' ? 'DOCKER_BACKEND_NET' : 'DOCKER_FRONTEND_NET'), host)
    for (const [name, host] of Object.entries(DOCKER_BACKEND_HOSTS)) {
      assert.equal(project.services[name].networks.backend.ipv4_address, at('backend', host), name)
    }
    assert.equal(
      project.services.nginx.networks.frontend.ipv4_address,
      at('frontend', DOCKER_FRONTEND_HOSTS.nginx),
    )
    assert.equal(project.services.k6.networks.frontend.ipv4_address, at('frontend', DOCKER_FRONTEND_HOSTS.k6))
    assert.equal(
      project.networks.frontend.ipam.config[0].gateway,
      at('frontend', DOCKER_FRONTEND_HOSTS.gateway),
    )
    // Dependencies by address too (see topology.ts), and nginx as the only trusted proxy.
    const app = project.services.app.environment
    assert.deepEqual(
      [app.REDIS_HOST, app.PG_PRIMARY_HOST, app.PG_REPLICA_HOST, app.TRUST_PROXY],
      ['redis', 'pg-primary', 'pg-replica', 'nginx'].map((name) =>
        dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), name),
      ),
    )
    assert.equal(
      app.S3_ENDPOINT,
      `http://${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'objectstore')}:${OBJECTSTORE_CONTAINER_PORT}`,
    )
  })

  it("gives the console the variables native mode does, at the ports, origins and project the lab's code names", async () => {
    const project = await composeProject()
    const docker = project.services.console.environment
    const native = consoleService(env).command().env
    // Docker mode only: the Compose project, to tell a killed container from a paused one.
    assert.deepEqual(
      Object.keys(docker)
        .filter((key) => key !== 'CONSOLE_COMPOSE_PROJECT')
        .sort(),
      Object.keys(native).sort(),
    )
    assert.deepEqual(
      [
        docker.CONSOLE_PORT,
        docker.CONSOLE_SYSLOG_PORT,
        docker.CONSOLE_ORIGINS,
        docker.CONSOLE_COMPOSE_PROJECT,
      ],
      [
        String(CONSOLE_CONTAINER_PORT),
        String(CONSOLE_CONTAINER_SYSLOG_PORT),
        consoleOrigins(env),
        COMPOSE_PROJECT,
      ],
    )
    assert.equal(project.name, COMPOSE_PROJECT)
  })

  it('runs each replica set as one service scaled to the count the lab uses, with no name or address of its own', async () => {
    const five = join(scratch, 'five.env')
    writeFileSync(five, `${exampleText}\nAPP_REPLICAS=5\nPY_REPLICAS=2\n`)
    for (const [file, counts] of [
      [join(repoRoot, '.env.example'), { app: 3, py: 3 }],
      [five, { app: 5, py: 2 }],
    ] as const) {
      const project = await composeProject(file)
      for (const set of ['app', 'py'] as const) {
        const service = project.services[set]
        assert.equal(service.deploy?.replicas, counts[set], `${set} in ${file}`)
        assert.equal(service.environment.REPLICA_ID, undefined, set)
        assert.equal(service.networks.backend?.ipv4_address, undefined, set)
      }
    }
  })
})
