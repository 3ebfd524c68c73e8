// STATIC_FILES, the anti-pattern switch of lessons/05-state: the machine's nginx, run as native
// mode configures it, in front of a replica that notes every path it is asked for.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { get } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LabEnv, loadLabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { runNginx } from '../lib/nginx.ts'

interface Fetched {
  status: number
  replica: string | undefined
  body: string
}

/** GET /static/lab.css over HTTPS through nginx: its answer, and the paths the replica was asked for. */
async function styleSheet(staticFiles: string): Promise<{ answer: Fetched; replicaSaw: string[] }> {
  const replicaSaw: string[] = []
  const app1 = createServer((req, res) => {
    replicaSaw.push(req.url ?? '')
    res.setHeader('X-Replica', 'app1')
    res.end('from app1')
  })
  await new Promise<void>((resolve) => app1.listen(0, '127.0.0.1', resolve))
  const address = `127.0.0.1:${(app1.address() as AddressInfo).port}`
  const dir = mkdtempSync(join(tmpdir(), 'lb-lab-static-'))
  const env = new LabEnv(new Map([...loadLabEnv({}).values, ['STATIC_FILES', staticFiles]]))
  const nginx = await runNginx(dir, env, (sets) =>
    sets.map((each) => (each.set.name === 'app' ? { ...each, servers: [{ name: 'app1', address }] } : each)),
  )
  try {
    const answer = await new Promise<Fetched>((resolve, reject) =>
      get(`${nginx.httpsBase}/static/lab.css`, { ca: readFileSync(join(dir, 'tls/cert.pem')) }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, replica: res.headers['x-replica'] as string, body }),
        )
      }).on('error', reject),
    )
    return { answer, replicaSaw }
  } finally {
    await nginx.stop()
    await new Promise((resolve) => app1.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('STATIC_FILES: who serves /static/', () => {
  it('balancer (the default): nginx, from disk; no replica is asked', async () => {
    const { answer, replicaSaw } = await styleSheet('balancer')
    assert.equal(answer.status, 200)
    assert.equal(answer.replica, undefined)
    assert.equal(answer.body, readFileSync(join(repoRoot, 'static/lab.css'), 'utf8'))
    assert.deepEqual(replicaSaw, [])
  })

  it('replicas: nginx passes the request on, like any other path', async () => {
    const { answer, replicaSaw } = await styleSheet('replicas')
    assert.deepEqual(answer, { status: 200, replica: 'app1', body: 'from app1' })
    assert.deepEqual(replicaSaw, ['/static/lab.css'])
  })
})
