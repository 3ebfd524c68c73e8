// A replica set is a row (tools/lab/src/sets/index.ts): nginx's upstreams, locations and maps and
// Prometheus's jobs are rendered per row. Here a made-up third set, `go` under /go/, is handed to
// the renderers as they are, and the nginx they configure is run for real in front of it.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { LabEnv, loadLabEnv } from '../../tools/lab/src/env.ts'
import { nativePrometheus, renderPrometheus } from '../../tools/lab/src/prometheus-config.ts'
import { which } from '../../tools/lab/src/system.ts'
import { runNginx } from '../lib/nginx.ts'

const run = promisify(execFile)
const GO = { name: 'go', label: 'Go service', prefix: '/go', cookieKey: 'GO_SESSION_COOKIE_NAME' }

describe('a third replica set is one row: the renderers serve and scrape it unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-lab-third-set-'))
  // The set's own setting, as its line in .env.example would give it.
  const env = new LabEnv(new Map([...loadLabEnv({}).values, ['GO_SESSION_COOKIE_NAME', 'lab_go_sid']]))
  let go1: Server
  let stop: (() => Promise<void>) | undefined
  let base = ''
  let files = new Map<string, string>()

  before(async () => {
    // go1: answers with what it was asked, as a replica of any language would see it.
    go1 = createServer((req, res) => {
      res.setHeader('X-Replica', 'go1')
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ path: req.url, prefix: req.headers['x-forwarded-prefix'] ?? null }))
    })
    await new Promise<void>((resolve) => go1.listen(0, '127.0.0.1', resolve))
    const goAddress = `127.0.0.1:${(go1.address() as AddressInfo).port}`

    const nginx = await runNginx(dir, env, (sets) => [
      ...sets,
      { set: GO, servers: [{ name: 'go1', address: goAddress }] },
    ])
    base = nginx.base
    files = nginx.files
    stop = nginx.stop
  })

  after(async () => {
    await stop?.()
    await new Promise((resolve) => go1.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('renders its upstream, its cookie map and its prefix beside the other sets', () => {
    const lb = files.get('lb.conf') ?? ''
    assert.match(lb, /upstream go_backend \{[^}]*server 127\.0\.0\.1:\d+ weight=1 .*# go1/)
    assert.match(lb, /map \$http_cookie \$lb_go_session \{\n {2}"~\(\?:\^\|;\\s\*\)lab_go_sid=/)
    assert.match(lb, /map \$request_uri \$lb_session_cookie \{[^}]*~\^\/go\/ {2}\$lb_go_session;/)
    assert.match(lb, /upstream app_backend \{/)
    assert.match(lb, /upstream py_backend \{/)
  })

  it('proxies /go/ to its replicas with the prefix stripped and named, as the Python sample is', async () => {
    const response = await fetch(`${base}/go/api/whoami?x=1`)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-replica'), 'go1')
    assert.deepEqual(await response.json(), { path: '/api/whoami?x=1', prefix: '/go' })
  })

  it('keeps its internal paths from clients, and redirects /go to /go/ with a JSON body', async () => {
    const metrics = await fetch(`${base}/go/metrics`)
    assert.equal(metrics.status, 404)
    assert.equal(metrics.headers.get('x-replica'), null, 'answered by nginx, not the replica')
    const bare = await fetch(`${base}/go`, { redirect: 'manual' })
    assert.equal(bare.status, 301)
    assert.equal(bare.headers.get('location'), '/go/')
    assert.match(await bare.text(), /"the Go service is under \/go\/"/)
  })

  it('gives Prometheus a job for it whose targets the replica alerts cover', async () => {
    const placement = nativePrometheus(env)
    placement.sets = [
      ...placement.sets,
      { name: 'go', replicas: [{ name: 'go1', address: '127.0.0.1:9999' }] },
    ]
    const config = join(dir, 'prometheus.yml')
    writeFileSync(config, renderPrometheus(placement))
    assert.match(
      renderPrometheus(placement),
      /- job_name: go\n {4}static_configs:\n {6}- targets: \['127\.0\.0\.1:9999'\]\n {8}labels: \{ replica: go1, tier: replica \}/,
    )
    const promtool = which('promtool')
    assert.ok(promtool, 'promtool not found (make up installs the prometheus package)')
    const { stdout } = await run(promtool, ['check', 'config', config])
    assert.match(stdout, /SUCCESS/)
  })
})
