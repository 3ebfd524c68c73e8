import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { appFor, closedPort, replicaEnv } from './helpers.ts'

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

  it('on SIGTERM reports not-ready while still serving, then exits 0 within its budget', async () => {
    const port = await closedPort()
    const base = `http://127.0.0.1:${port}`
    const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))
    const child = spawn(process.execPath, [server], {
      env: replicaEnv({
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        SHUTDOWN_DELAY_MS: '800',
        SHUTDOWN_TIMEOUT_MS: '3000',
      }),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let log = ''
    child.stdout.on('data', (chunk) => {
      log += chunk
    })
    const exited = once(child, 'exit')
    const status = (path: string) =>
      fetch(`${base}${path}`).then(
        (r) => r.status,
        () => 0,
      )
    for (let i = 0; i < 100 && (await status('/ready')) !== 200; i++) await sleep(100)

    const started = performance.now()
    child.kill('SIGTERM')
    await sleep(200)
    const readyWhileDraining = await status('/ready')
    const healthWhileDraining = await status('/health')
    const [code] = await exited
    const elapsed = performance.now() - started

    assert.equal(readyWhileDraining, 503)
    assert.equal(healthWhileDraining, 200)
    assert.equal(code, 0, log)
    assert.ok(elapsed < 3800, `took ${elapsed} ms`)
    const messages = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg)
    assert.deepEqual(
      messages.filter((m) => !String(m).startsWith('incoming') && m !== 'request completed').slice(-3),
      ['shutting down', 'draining: readiness now 503, finishing in-flight requests', 'closed cleanly'],
    )
  })
})
