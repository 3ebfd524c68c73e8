// STATIC_FILES, the anti-pattern switch of lessons/05-state: the machine's nginx, run as native
// mode configures it, in front of a replica that notes every path it is asked for.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { get } from 'node:https'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LabEnv, loadLabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { inFrontOfApp1 } from '../lib/nginx.ts'

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
  const env = new LabEnv(new Map([...loadLabEnv({}).values, ['STATIC_FILES', staticFiles]]))
  const answer = await inFrontOfApp1(
    env,
    app1,
    ({ httpsBase, dir }) =>
      new Promise<Fetched>((resolve, reject) =>
        get(`${httpsBase}/static/lab.css`, { ca: readFileSync(join(dir, 'tls/cert.pem')) }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => {
            body += chunk
          })
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, replica: res.headers['x-replica'] as string, body }),
          )
        }).on('error', reject),
      ),
  )
  return { answer, replicaSaw }
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
