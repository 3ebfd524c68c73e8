// UPSTREAM_KEEPALIVE, the anti-pattern switch of lessons/04-failure: the machine's nginx, run as
// native mode configures it, in front of a replica that counts the connections it is sent.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { describe, it } from 'node:test'
import { LabEnv, loadLabEnv } from '../../tools/lab/src/env.ts'
import { inFrontOfApp1 } from '../lib/nginx.ts'

/** Twenty requests, one after another, through nginx to one replica: the connections it was opened. */
async function connectionsFor(keepalive: string): Promise<number> {
  let connections = 0
  const app1 = createServer((_req, res) => {
    res.setHeader('X-Replica', 'app1')
    res.end('{}')
  })
  app1.on('connection', () => connections++)
  const env = new LabEnv(new Map([...loadLabEnv({}).values, ['UPSTREAM_KEEPALIVE', keepalive]]))
  return inFrontOfApp1(env, app1, async ({ base }) => {
    for (let i = 0; i < 20; i++) {
      const answer = await fetch(`${base}/api/whoami`)
      assert.equal(answer.headers.get('x-replica'), 'app1')
      await answer.text()
    }
    return connections
  })
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
