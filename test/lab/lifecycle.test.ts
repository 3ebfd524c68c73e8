import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { processTree } from '../../tools/lab/src/modes/native/procs.ts'
import { services } from '../../tools/lab/src/modes/native/services/index.ts'
import { isRoot } from '../../tools/lab/src/system.ts'
import { env, lab } from '../lib/stack.ts'

// A second, throw-away stack: its own state folder, and every port of .env.example moved up by
// 10000, so these stories can start it from nothing and tear it down without touching the
// stack the other tests use.
const PORTS = Object.fromEntries(
  [...env.values]
    .filter(([key]) => /_PORT(_BASE)?$/.test(key))
    .map(([key, value]) => [key, String(Number(value) + 10_000)]),
)
const NGINX_PORT = PORTS.NGINX_HTTP_PORT

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return false
  }
}

describe('the lab CLI, on a stack of its own', () => {
  let state = ''
  const run = (...args: string[]) => lab(args, { LAB_STATE_DIR: state, ...PORTS })
  /** Pids of each service from `lab ps` (only running ones). */
  const servicePids = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await run('ps'))
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/))
        .filter(([, status]) => status === 'running')
        .map(([service, , pid]) => [service, Number(pid)]),
    )

  before(() => {
    state = mkdtempSync(join(tmpdir(), 'lb-lab-test-'))
    // Postgres runs as its own user when the lab runs as root: it must reach its data dir.
    chmodSync(state, 0o755)
  })
  after(async () => {
    await run('down').catch(() => {})
    rmSync(state, { recursive: true, force: true })
  })

  it('refuses a busy port, names the service and its log, and leaves nothing running', async () => {
    // nginx's HTTPS port: every port a service listens on is checked, not only its main one.
    const squatter = createServer().listen(Number(PORTS.NGINX_HTTPS_PORT), '127.0.0.1')
    try {
      await assert.rejects(run('up'), (err: Error) => {
        // What holds it (this test process: a Debian service would show as its own name), and
        // which setting to change.
        assert.match(
          err.message,
          new RegExp(
            `lab: nginx: port ${PORTS.NGINX_HTTPS_PORT} is already in use by node \\(pid ${process.pid}\\)\\. Change NGINX_HTTPS_PORT in \\.env`,
          ),
        )
        assert.match(err.message, /log: .*nginx\.log/)
        return true
      })
    } finally {
      squatter.close()
    }
    assert.deepEqual(await servicePids(), {})
  })

  it('as root, stops at once when the postgres user cannot reach the state folder, and says what to do', async (t) => {
    if (!isRoot()) {
      t.diagnostic('not root: Postgres runs as this user, who reaches its own folders')
      return
    }
    // A clone in root's home: mode 700, out of the postgres user's reach.
    const closed = mkdtempSync(join(tmpdir(), 'lb-lab-closed-'))
    chmodSync(closed, 0o700)
    try {
      const inside = join(closed, 'state')
      await assert.rejects(lab(['up'], { LAB_STATE_DIR: inside, ...PORTS }), (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`the postgres user cannot reach the state folder ${inside}: ${closed} is mode 700`),
        )
        assert.match(err.message, /LAB_STATE_DIR=\/var\/tmp\/lb-lab make up/)
        return true
      })
      // Nothing was started, not even the services that need no Postgres.
      assert.equal(existsSync(join(inside, 'redis')), false)
    } finally {
      rmSync(closed, { recursive: true, force: true })
    }
  })

  it('stops at a replica that cannot start, names it with its log, and rolls back', async () => {
    await assert.rejects(lab(['up'], { LAB_STATE_DIR: state, ...PORTS, PG_POOL_MAX: '0' }), (err: Error) => {
      assert.match(err.message, /lab: app\d: exited during start/)
      assert.match(err.message, /invalid configuration: PG_POOL_MAX must be >= 1/)
      return true
    })
    assert.deepEqual(await servicePids(), {})
  })

  it('comes up from an empty state folder and serves, with two `up` at once; `up` again changes nothing', async () => {
    // They would share nginx's staging folder and race for ports: the second waits for the first.
    const both = await Promise.all([run('up'), run('up')])
    assert.ok(
      both.some((out) => /waiting for another `lab up`/.test(out)),
      both.join('\n'),
    )
    const first = await servicePids()
    assert.deepEqual(
      Object.keys(first).sort(),
      services(env)
        .map((s) => s.name)
        .sort(),
    )
    const response = await fetch(`http://127.0.0.1:${NGINX_PORT}/api/whoami`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('x-replica') ?? '', /^app[123]$/)
    const python = await fetch(`http://127.0.0.1:${NGINX_PORT}/py/api/whoami`)
    assert.equal(python.status, 200)
    assert.match(python.headers.get('x-replica') ?? '', /^py[123]$/)

    await run('up')
    assert.deepEqual(await servicePids(), first)
  })

  it('takes changed passwords from the environment on the next up, the replica streaming again', async () => {
    // What Docker mode's `make up` does to native mode: a .env with fresh secrets.
    await run('down')
    const fresh = {
      POSTGRES_PASSWORD: 'fresh-superuser-0123456789',
      PG_PASSWORD: 'fresh-app-0123456789',
      PG_REPLICATION_PASSWORD: 'fresh-replication-0123456789',
    }
    await lab(['up'], { LAB_STATE_DIR: state, ...PORTS, ...fresh })
    const api = `http://127.0.0.1:${NGINX_PORT}/api/notes`
    const written = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"after new passwords"}',
    })
    assert.equal(written.status, 201)
    const { id } = (await written.json()) as { id: number }
    // Read without the session: served by the replica once it has streamed the note.
    let servedBy = ''
    for (let i = 0; i < 100 && servedBy !== 'replica'; i++) {
      const read = await fetch(`${api}/${id}`)
      servedBy = read.status === 200 ? ((await read.json()) as { servedBy: string }).servedBy : ''
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(servedBy, 'replica')
    // And back to the example's passwords, for the stories after this one.
    await run('down')
    await run('up')
  })

  it('starts the count APP_REPLICAS asks for, and keeps it across down and up until told otherwise', async () => {
    const running = async () =>
      Object.keys(await servicePids())
        .filter((name) => /^app\d$/.test(name))
        .sort()
    const five = ['app1', 'app2', 'app3', 'app4', 'app5']
    await lab(['up'], { LAB_STATE_DIR: state, ...PORTS, APP_REPLICAS: '5' })
    assert.deepEqual(await running(), five)
    // nginx sends them traffic: all five answer 50 requests, 10 at a time.
    const answered = new Set(
      await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`http://127.0.0.1:${NGINX_PORT}/api/whoami`).then((r) => r.headers.get('x-replica')),
        ),
      ),
    )
    assert.deepEqual([...answered].sort(), five)
    // Remembered (in the state folder) by the next up, without the variable.
    await run('down')
    await run('up')
    assert.deepEqual(await running(), five)
    await run('scale', '3')
    assert.deepEqual(await running(), ['app1', 'app2', 'app3'])
  })

  it('`up` unpauses a paused service rather than calling it up', async () => {
    await run('pause', 'app2')
    assert.match(await run('up'), /app2 was paused; unpausing it/)
    const app2 = (await run('ps')).split('\n').find((line) => line.startsWith('app2 '))
    assert.match(app2 ?? '', /^app2\s+running\s/)
  })

  it('down leaves no process of the stack behind', async () => {
    // Every process of every service, children included (Postgres backends, nginx workers).
    const processes = Object.values(await servicePids()).flatMap(processTree)
    assert.ok(processes.length > 8, 'expected child processes too')

    await run('down')
    assert.deepEqual(processes.filter(alive), [])
  })
})
