// A team's own service as a replica set (sets/README.md): the Go example, declared in
// sets/go.json and run because SETS=go (test/parts.ts brings the stack up so), is served at /go
// by the same balancer, answers the lab's verbs, and passes `make conform`.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Report } from '../../tools/lab/src/conform/index.ts'
import { HTTPS, request } from '../lib/raw.ts'
import { BASE, lab, MODE, until } from '../lib/stack.ts'

const cli = fileURLToPath(new URL('../../tools/lab/src/cli.ts', import.meta.url))
const GO = ['go1', 'go2', 'go3']

/** `lab conform go --json`: its report and exit code. */
function conform(): Promise<{ code: number; report: Report }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'conform', 'go', '--json'],
      { timeout: 300_000 },
      (err, stdout, stderr) => {
        const start = stdout.indexOf('{\n')
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0
        if (start < 0)
          return reject(new Error(`lab conform go: no report (exit ${code})\n${stdout}${stderr}`))
        resolve({ code, report: JSON.parse(stdout.slice(start)) as Report })
      },
    )
  })
}

describe(`your own service as a replica set (${MODE} mode): the Go example`, () => {
  it('runs go1..go3 behind the balancer at /go, listed by ps, one session shared by all three', async () => {
    const ps = await lab(['ps'])
    for (const replica of GO)
      assert.match(
        ps,
        MODE === 'native'
          ? new RegExp(`^${replica} +running`, 'm')
          : new RegExp(`lb-lab-go-${replica.slice(2)} .*healthy`),
        replica,
      )
    let cookie = ''
    const served: string[] = []
    for (let n = 1; n <= 6; n++) {
      const res = await fetch(`${BASE}/go/api/visits`, { method: 'POST', headers: { cookie } })
      cookie = (res.headers.get('set-cookie') ?? cookie).split(';')[0] as string
      assert.equal(res.status, 200)
      assert.equal(
        ((await res.json()) as { visits: number }).visits,
        n,
        `visit ${n}, by ${res.headers.get('x-replica')}`,
      )
      served.push(res.headers.get('x-replica') ?? '')
    }
    assert.deepEqual([...new Set(served)].sort(), GO)
  })

  it('the console shows the set under its label, its three replicas serving', async () => {
    type Set = { name: string; label: string; base: string; replicas: Array<{ name: string; state: string }> }
    let go: Set | undefined
    // The console probes every few seconds: serving once its probes have answered.
    await until(
      'go in the console, every replica serving',
      async () => {
        const { sets } = JSON.parse((await request(`${HTTPS}/console/api/state`)).body) as { sets: Set[] }
        go = sets.find((set) => set.name === 'go')
        return go?.replicas.every((replica) => replica.state === 'serving') ?? false
      },
      15_000,
    )
    assert.equal(go?.label, 'Go notes (example)')
    assert.equal(go?.base, '/go')
    assert.deepEqual(
      go?.replicas.map((replica) => replica.name),
      GO,
    )
  })

  it('make scale s=go takes it to four replicas, the fourth serving through the balancer, and back to three', async () => {
    await lab(['scale', '4', 'go'])
    try {
      await until(
        'go4 answering through the balancer',
        async () => {
          const res = await fetch(`${BASE}/go/health`)
          return res.headers.get('x-replica') === 'go4'
        },
        30_000,
      )
    } finally {
      await lab(['scale', '3', 'go'])
    }
    const served = new Set<string>()
    for (let n = 0; n < 12; n++) served.add((await fetch(`${BASE}/go/health`)).headers.get('x-replica') ?? '')
    assert.deepEqual([...served].sort(), GO)
  })

  it('make fault refuses it by name: its declaration says it keeps no fault contract', async () => {
    await assert.rejects(
      lab(['fault', 'go2', 'latencyMs=100']),
      /Go notes \(example\) \(go\) does not keep the fault contract \(its sets\/go\.json says "faults": false\)/,
    )
  })

  it('passes make conform: no line fails; files warns, as it takes no uploads', async (t) => {
    const { code, report } = await conform()
    for (const line of report.lines) t.diagnostic(`${line.verdict} ${line.id}: ${line.evidence}`)
    assert.deepEqual(Object.fromEntries(report.lines.map((line) => [line.id, line.verdict])), {
      config: 'pass',
      observability: 'pass',
      retries: 'pass',
      files: 'warn',
      health: 'pass',
      stateless: 'pass',
      shutdown: 'pass',
    })
    assert.match(
      report.lines.find((line) => line.id === 'shutdown')?.evidence ?? '',
      /^a POST whose body was still arriving on go3 \(its second half \d+ ms later\) when it got SIGTERM answered 201, then go3 exited \(connections refused\); go1, go2, go3 restarted one at a time in \d+ s under \d+ requests: none failed$/,
    )
    assert.equal(code, 0)
  })
})
