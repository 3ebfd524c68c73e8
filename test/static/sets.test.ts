// A team's service as a replica set is one file under sets/ (sets/README.md). What the lab makes
// of such a file, before anything runs: it is checked field by field, SETS may only name a file
// that exists, and Docker mode's Compose file for it is what Compose itself loads.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { renderOverlay } from '../../tools/lab/src/modes/docker/sets-overlay.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import {
  declaredRow,
  parseDeclaration,
  readDeclarations,
  setKeys,
} from '../../tools/lab/src/sets/declared.ts'
import { composeProject } from '../lib/compose.ts'

const goFile = readFileSync(join(repoRoot, 'sets/go.json'), 'utf8')

describe('a set declared under sets/', () => {
  it('each file there is a valid declaration whose folder has a Dockerfile', () => {
    const declared = readDeclarations()
    assert.ok(declared.size > 0)
    for (const [name, set] of declared)
      assert.ok(existsSync(join(repoRoot, set.folder, 'Dockerfile')), `${name}: ${set.folder}/Dockerfile`)
  })

  it('a wrong field is refused, naming the file and the field, and what it must be', () => {
    const broken = { ...JSON.parse(goFile), port: '8080' }
    assert.throws(
      () => parseDeclaration('orders', JSON.stringify(broken), 'sets/orders.json'),
      /^Error: sets\/orders\.json: "port" must be the port it listens on in its container$/,
    )
    const unknown = { ...JSON.parse(goFile), reads: ['SESSION_SECRET', 'DATABASE_URL'] }
    assert.throws(
      () => parseDeclaration('orders', JSON.stringify(unknown), 'sets/orders.json'),
      /"reads" must be the contract variables it reads/,
    )
    for (const taken of ['app', 'py', 'redis', 'nginx'])
      assert.throws(
        () => parseDeclaration(taken, goFile, `sets/${taken}.json`),
        new RegExp(
          `^Error: sets/${taken}\\.json: ${taken} is one of the lab's own services \\(compose\\.yaml\\)`,
        ),
      )
    assert.throws(() => parseDeclaration('orders2', goFile, 'sets/orders2.json'), /lower-case letters/)
  })

  it('SETS naming a set sets/ does not declare: the lab refuses before doing anything', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'tools/lab/src/cli.ts'), 'ps'], {
      env: { ...process.env, SETS: 'go,orders' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^lab: SETS=go,orders: there is no sets\/orders\.json \(declared: go\)$/m)
  })

  it("Docker mode: Compose loads its service as app's, built from its folder, at its port, with its image's healthcheck", async () => {
    const row = declaredRow('go', parseDeclaration('go', goFile, 'sets/go.json'))
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-sets-'))
    const overlay = join(dir, 'compose.sets.yaml')
    writeFileSync(overlay, renderOverlay([row]))
    // The variables the lab gives Compose (modes/docker/compose.ts): the set's count and cookie.
    const keys = setKeys('go')
    const envFile = join(dir, '.env')
    writeFileSync(
      envFile,
      `${readFileSync(join(repoRoot, '.env.example'), 'utf8')}\nSETS=go\n${keys.countKey}=3\n${keys.cookieKey}=lab_go_sid\n`,
    )
    const project = await composeProject(envFile, [overlay])
    const go = project.services.go
    const app = project.services.app
    assert.equal(go.image, 'lb-lab/go:dev')
    assert.equal(go.build.context, join(repoRoot, 'examples/go-notes'))
    assert.equal(go.deploy.replicas, 3)
    assert.equal(go.healthcheck, undefined, "its image's HEALTHCHECK, not app's node one")
    assert.equal(go.environment.PORT, '8080')
    assert.equal(go.environment.SESSION_COOKIE_NAME, 'lab_go_sid')
    // Everything else of the replica contract, as app has it: the same addresses and secrets.
    for (const key of ['REDIS_HOST', 'REDIS_PASSWORD', 'PG_PRIMARY_HOST', 'PG_PASSWORD', 'SESSION_SECRET'])
      assert.equal(go.environment[key], app.environment[key], key)
    assert.deepEqual(Object.keys(go.networks), Object.keys(app.networks))
    assert.equal(go.stop_grace_period, app.stop_grace_period)
    // The balancer and the config service wait for it, and the config service renders it.
    for (const service of ['nginx', 'haproxy', 'config'])
      assert.equal(project.services[service].depends_on.go.condition, 'service_healthy', service)
    assert.equal(project.services.config.environment.SETS, 'go')
    assert.equal(project.services.config.environment.GO_REPLICAS, '3')
  })
})
