import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { get } from 'node:http'
import { connect, type Socket } from 'node:net'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { IDLE_LINGER_MS } from '../src/plugins/core/draining.ts'
import { appFor, closedPort, replicaEnv } from './helpers.ts'

/** One request on an open socket, kept alive as nginx keeps its connections to a replica. */
async function exchange(socket: Socket, path: string): Promise<{ status: number; connection: string }> {
  let reply = ''
  const complete = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      reply += chunk
      const head = reply.split('\r\n\r\n')[0] ?? ''
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? Number.NaN)
      if (reply.length >= head.length + 4 + length) {
        socket.off('data', onData)
        resolve()
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
  socket.write(`GET ${path} HTTP/1.1\r\nHost: replica\r\nConnection: keep-alive\r\n\r\n`)
  await complete
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1]),
    connection: /\r\nconnection: ([^\r]*)/i.exec(reply)?.[1]?.toLowerCase() ?? '',
  }
}

/** Whether a new connection to `port` is refused (the listener is closed). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })

describe('draining without losing a request: no new connections, open ones served and left to the client', () => {
  it('refuses new connections at once, yet answers on a kept-alive one, with Connection: close', async (t) => {
    const app = await appFor(t, { SHUTDOWN_TIMEOUT_MS: '5000' })
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port)
    const kept = connect(port, '127.0.0.1')
    await once(kept, 'connect')
    assert.deepEqual(await exchange(kept, '/health'), { status: 200, connection: 'keep-alive' })

    const closedByReplica = once(kept, 'end')
    const drained = app.drainAndClose()
    for (let i = 0; i < 50 && !(await refused(port)); i++) await sleep(20)
    assert.equal(await refused(port), true, 'a new connection was still accepted')
    // The idle connection is still open: a request the balancer sends on it now is served.
    assert.deepEqual(await exchange(kept, '/health'), { status: 200, connection: 'close' })
    // Closed after that answer, and the drain over once it was.
    await closedByReplica
    await drained
  })

  it('leaves an idle connection to its client (nginx) to close, for as long as a stopping Gunicorn worker does', async (t) => {
    const app = await appFor(t, { SHUTDOWN_TIMEOUT_MS: '5000' })
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port)
    const kept = connect(port, '127.0.0.1')
    await once(kept, 'connect')
    await exchange(kept, '/health')
    const closedByReplica = once(kept, 'end').then(() => true)

    let done = false
    const drained = app.drainAndClose().then(() => {
      done = true
    })
    // Idle for a while, under IDLE_LINGER_MS: the replica waits, the connection stays open.
    assert.equal(await Promise.race([closedByReplica, sleep(IDLE_LINGER_MS / 2, false)]), false)
    assert.equal(done, false, 'closed while a connection was still open')
    // The client closes it, as nginx does after UPSTREAM_KEEPALIVE_TIMEOUT: the drain ends.
    kept.end()
    await drained
  })

  // Past the linger, not the whole budget: with a minute of SHUTDOWN_TIMEOUT_MS, a replica that
  // waited it out would fail this test's own 30 s bound.
  it('closes a connection its client keeps idle past the linger, and is done', {
    timeout: 30_000,
  }, async (t) => {
    const app = await appFor(t, { SHUTDOWN_TIMEOUT_MS: '60000' })
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port)
    const kept = connect(port, '127.0.0.1')
    await once(kept, 'connect')
    await exchange(kept, '/health')
    const ended = once(kept, 'end')
    await app.drainAndClose()
    await ended
  })
})

describe('graceful shutdown', () => {
  it('lets a request already in flight finish, then closes its connection', async (t) => {
    const app = await appFor(t)
    // A stand-in for slow work already running when shutdown starts.
    app.get('/test/slow', async () => {
      await sleep(400)
      return { done: true }
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })

    const inFlight = fetch(`${address}/test/slow`)
    await sleep(100)
    const closing = app.close()
    await sleep(50)
    assert.equal(app.draining, true)

    const response = await inFlight
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { done: true })
    // Without this the idle keep-alive connection would hold close() for its whole timeout.
    assert.equal(response.headers.get('connection'), 'close')
    await closing
  })

  it('on SIGTERM reports not-ready while still serving, then exits 0 on its own (not forced)', async () => {
    const port = await closedPort()
    const base = `http://127.0.0.1:${port}`
    const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))
    const child = spawn(process.execPath, [server], {
      env: replicaEnv({
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        SHUTDOWN_DELAY_MS: '2000',
        SHUTDOWN_TIMEOUT_MS: '3000',
      }),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let log = ''
    child.stdout.on('data', (chunk) => {
      log += chunk
    })
    const exited = once(child, 'exit')
    // One connection per request, closed after it (a client keeping one open would hold the
    // drain until SHUTDOWN_TIMEOUT_MS, as the test above shows).
    const status = (path: string) =>
      new Promise<number>((resolve) => {
        get(`${base}${path}`, { agent: false }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }).on('error', () => resolve(0))
      })
    for (let i = 0; i < 100 && (await status('/ready')) !== 200; i++) await sleep(100)

    child.kill('SIGTERM')
    // Ready, then not ready for SHUTDOWN_DELAY_MS (2 s), then refused: polled, not timed.
    let readyWhileDraining = 200
    for (let i = 0; i < 100 && readyWhileDraining === 200; i++) {
      await sleep(20)
      readyWhileDraining = await status('/ready')
    }
    const healthWhileDraining = await status('/health')
    const [code] = await Promise.race([exited, sleep(15_000).then(() => assert.fail(`no exit:\n${log}`))])

    assert.equal(readyWhileDraining, 503)
    assert.equal(healthWhileDraining, 200)
    assert.equal(code, 0, log)
    const messages = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg)
    assert.deepEqual(
      messages.filter((m) => !String(m).startsWith('incoming') && m !== 'request completed').slice(-4),
      [
        'shutting down',
        'draining: readiness now 503, finishing in-flight requests',
        'closing: no new connections; waiting for the open ones to end',
        'closed cleanly',
      ],
    )
  })
})
