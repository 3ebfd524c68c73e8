// UPSTREAM_KEEPALIVE, the anti-pattern switch of lessons/04-failure: the machine's nginx, run as
// native mode configures it, in front of a replica that counts the connections it is sent.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LabEnv, loadLabEnv } from '../../tools/lab/src/env.ts'
import { runNginx } from '../lib/nginx.ts'

/** Twenty requests, one after another, through nginx to one replica: the connections it was opened. */
async function connectionsFor(keepalive: string): Promise<number> {
  let connections = 0
  const app1 = createServer((_req, res) => {
    res.setHeader('X-Replica', 'app1')
    res.end('{}')
  })
  app1.on('connection', () => connections++)
  await new Promise<void>((resolve) => app1.listen(0, '127.0.0.1', resolve))
  const address = `127.0.0.1:${(app1.address() as AddressInfo).port}`
  const dir = mkdtempSync(join(tmpdir(), 'lb-lab-keepalive-'))
  const env = new LabEnv(new Map([...loadLabEnv({}).values, ['UPSTREAM_KEEPALIVE', keepalive]]))
  const nginx = await runNginx(dir, env, (sets) =>
    sets.map((each) => (each.set.name === 'app' ? { ...each, servers: [{ name: 'app1', address }] } : each)),
  )
  try {
    for (let i = 0; i < 20; i++) {
      const answer = await fetch(`${nginx.base}/api/whoami`)
      assert.equal(answer.headers.get('x-replica'), 'app1')
      await answer.text()
    }
    return connections
  } finally {
    await nginx.stop()
    await new Promise((resolve) => app1.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('UPSTREAM_KEEPALIVE: connections to the replicas reused, or one per request', () => {
  it('on (the default): twenty requests share a connection or two', async () => {
    assert.ok((await connectionsFor('on')) <= 2)
  })

  it('off: every request opens a connection of its own', async () => {
    assert.equal(await connectionsFor('off'), 20)
  })

  it('refuses anything else, by name', () => {
    const env = new LabEnv(new Map([...loadLabEnv({}).values, ['UPSTREAM_KEEPALIVE', 'no']]))
    assert.throws(
      () => env.oneOf('UPSTREAM_KEEPALIVE', ['on', 'off']),
      /UPSTREAM_KEEPALIVE=no is not one of on, off/,
    )
  })
})
