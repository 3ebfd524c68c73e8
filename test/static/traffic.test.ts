// `make traffic`'s options, read without a stack: what a student may type, its defaults, and a
// clear refusal (the usage line) for anything outside the bounds a lesson's traffic keeps; and how
// it answers a connection reset under it, against a real server that resets one.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { parseTraffic, send } from '../../tools/lab/src/workshop/traffic.ts'

describe('make traffic options', () => {
  it('defaults to 200 GETs of /api/whoami, four at a time', () => {
    assert.deepEqual(parseTraffic([]), {
      path: '/api/whoami',
      method: 'GET',
      n: 200,
      c: 4,
      rate: 0,
      visitors: 0,
      notes: false,
      https: false,
    })
  })

  it('visitors POST /api/visits and notes POST /api/notes unless told otherwise; a path keeps its query', () => {
    assert.equal(parseTraffic(['visitors=5']).path, '/api/visits')
    assert.equal(parseTraffic(['visitors=5']).method, 'POST')
    assert.equal(parseTraffic(['notes=1']).path, '/api/notes')
    assert.equal(parseTraffic(['path=/api/work?ms=200']).path, '/api/work?ms=200')
  })

  it('refuses, with the usage, what no lesson should send', () => {
    for (const args of [
      ['n=0'],
      ['n=5001'],
      ['c=33'],
      ['rate=501'],
      ['visitors=33'],
      ['n=1.5'],
      ['path=api/whoami'],
      ['path=/api/<script>'],
      ['method=DELETE'],
      ['notes=1', 'method=GET'],
      ['notes=1', 'visitors=2'],
      ['size=3'],
      ['n'],
    ])
      assert.throws(() => parseTraffic(args), /^Error: traffic: path=\/api\/whoami n=200/, args.join(' '))
  })
})

/**
 * A server that resets the connection of the request it is sent `resets` times in a row (as a
 * reloading balancer closes an idle one the request went out on), then answers.
 */
async function resetting(resets: number): Promise<{ base: string; close: () => Promise<void> }> {
  let left = resets
  const server = createServer((req, res) => {
    if (left-- > 0) return req.socket.resetAndDestroy()
    res.setHeader('x-replica', 'app1')
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

describe('make traffic under a reset connection', () => {
  const options = parseTraffic([])

  it('sends a request again once when its connection was reset before any answer, and says so', async () => {
    const server = await resetting(1)
    const answer = await send(server.base, options, new Map(), 0, Date.now())
    await server.close()
    assert.equal(answer.status, 200, 'answered on a new connection')
    assert.equal(answer.replica, 'app1')
    assert.match(answer.resentAfter ?? '', /ECONNRESET|UND_ERR_SOCKET/)
  })

  it('never sends again a request whose answer had begun: it was read, and a write would count twice', async () => {
    let requests = 0
    const server = createServer((req, res) => {
      requests++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"visits":')
      setTimeout(() => req.socket.resetAndDestroy(), 20)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const answer = await send(`http://127.0.0.1:${port}`, options, new Map(), 0, Date.now())
    await new Promise((resolve) => server.close(resolve))
    assert.equal(requests, 1)
    assert.equal(answer.status, 0)
    assert.equal(answer.resentAfter, undefined)
    assert.match(answer.error ?? '', /ECONNRESET|UND_ERR_SOCKET/)
  })

  it('counts a request reset twice as failed, with why', async () => {
    const server = await resetting(2)
    const answer = await send(server.base, options, new Map(), 0, Date.now())
    await server.close()
    assert.equal(answer.status, 0)
    assert.match(answer.error ?? '', /ECONNRESET|UND_ERR_SOCKET/)
  })
})
