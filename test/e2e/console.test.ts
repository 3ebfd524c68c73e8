import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { CONSOLE_CONTAINER_SYSLOG_PORT, dockerBackendAddress } from '../../tools/lab/src/topology.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { fromOtherClient, HTTPS, request } from '../lib/raw.ts'
import { burst, env, lab, MODE, replicaUrl, shares, TARGETS, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const CONTROL = { 'content-type': 'application/json', 'x-lab-console': '1' }
const api = (path: string, options: Parameters<typeof request>[1] = {}) =>
  request(`${HTTPS}/console/api/${path}`, options)
// biome-ignore lint/suspicious/noExplicitAny: the console's JSON
const state = async (): Promise<any> => JSON.parse((await api('state')).body)

describe('the lab console, through nginx', () => {
  after(async () => {
    await api('load/stop', { method: 'POST', headers: CONTROL, body: '{}' })
    await lab(['fault', TARGETS[0]?.replicas[1] ?? 'app2', 'clear'])
  })

  it('serves the page at the HTTPS root, from nginx, with the security headers', async () => {
    const root = await request(`${HTTPS}/`)
    assert.equal(root.status, 302)
    assert.equal(new URL(String(root.headers.location), HTTPS).pathname, '/console/')
    const page = await request(`${HTTPS}/console/`)
    assert.equal(page.status, 200)
    assert.match(page.body, /<script type="module" src="\/console\/app.js"><\/script>/)
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/)
    const script = await request(`${HTTPS}/console/app.js`)
    assert.match(String(script.headers['content-type']), /^text\/javascript/)
    assert.doesNotMatch(script.body, /: Snapshot\b/, 'types are stripped')
  })

  it("shows every replica of both sets, the strategy, and each one's share of the traffic nginx sent", async () => {
    // What nginx sent where, as the answers say (X-Replica): the console must show these shares,
    // whatever they are. (Held to a third each, this failed once: least_conn gave app3 13% of a
    // burst of 90 in Docker mode, and that is balancing, not the console, at work.)
    const sent = shares(await burst('/api/whoami', 90, 6))
    const appReplicas = async () =>
      (await state()).sets.find((s: { name: string }) => s.name === 'app').replicas as Array<{
        name: string
        traffic: { share: number }
      }>
    // Its lines come by UDP, a few milliseconds behind the answers.
    await until(
      `the console's shares are nginx's (${JSON.stringify(sent)})`,
      async () => (await appReplicas()).every((r) => Math.abs(r.traffic.share - (sent[r.name] ?? 0)) <= 0.05),
      1500,
    )
    const now = await state()
    assert.equal(now.strategy, 'least_conn')
    for (const { name, replicas } of TARGETS) {
      const set = now.sets.find((s: { name: string }) => s.name === (name === 'Python' ? 'py' : 'app'))
      assert.deepEqual(
        set.replicas.map((r: { name: string }) => r.name),
        [...replicas],
      )
      for (const replica of set.replicas) assert.equal(replica.state, 'serving', replica.name)
    }
    const shown = (await appReplicas()).map((r) => r.traffic.share)
    assert.ok(Math.abs(shown.reduce((a, b) => a + b, 0) - 1) < 0.01, JSON.stringify(shown))
  })

  it('runs its own load, every answer a 200, and stops it', async () => {
    const started = await api('load', {
      method: 'POST',
      headers: CONTROL,
      body: JSON.stringify({ rps: 40, mix: { whoami: 1, 'py-whoami': 1 } }),
    })
    assert.equal(started.status, 200, started.body)
    // Paced by its own clock (what a tick owes carries over): polled until it has sent some.
    await until('80 requests sent', async () => (await state()).load.sent >= 80)
    const stopped = JSON.parse(
      (await api('load/stop', { method: 'POST', headers: CONTROL, body: '{}' })).body,
    )
    assert.equal(stopped.running, false)
    // Once the last ones are answered: every request sent got a 200, none skipped, and no more go out.
    const done = async () => {
      const { load } = await state()
      return Object.values(load.answers as Record<string, number>).reduce((a, b) => a + b, 0) === load.sent
    }
    await until('every request sent answered', done)
    const { load } = await state()
    assert.deepEqual([load.answers, load.skipped], [{ '2xx': load.sent }, 0])
    assert.equal((await state()).load.sent, load.sent)
  })

  it('sets and clears a fault on one replica', async () => {
    const replica = TARGETS[0]?.replicas[1] ?? 'app2'
    const set = await api(`faults/${replica}`, {
      method: 'POST',
      headers: CONTROL,
      body: JSON.stringify({ latencyMs: 150 }),
    })
    assert.equal(set.status, 200, set.body)
    const faultsOf = async () =>
      ((await fetch(`${replicaUrl(replica)}/faults`).then((r) => r.json())) as { faults: unknown }).faults
    assert.deepEqual(await faultsOf(), { latencyMs: 150 })
    const bad = await api(`faults/${replica}`, { method: 'POST', headers: CONTROL, body: '{"latencyMs":-1}' })
    assert.deepEqual([bad.status, JSON.parse(bad.body).message], [400, 'body/latencyMs must be >= 0'])
    await api(`faults/${replica}/clear`, { method: 'POST', headers: CONTROL, body: '{}' })
    assert.deepEqual(await faultsOf(), {})
  })

  it('refuses control requests a page of another site could forge, and says why', async () => {
    const start = JSON.stringify({ rps: 5 })
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      ['no X-Lab-Console header', { 'content-type': 'application/json' }, 403, /X-Lab-Console/],
      ['another origin', { ...CONTROL, origin: 'https://evil.example' }, 403, /origin/],
      ['a cross-site fetch', { ...CONTROL, 'sec-fetch-site': 'cross-site' }, 403, /cross-site/],
      ['a form post', { 'content-type': 'text/plain', 'x-lab-console': '1' }, 415, /Unsupported/],
    ]
    for (const [what, headers, status, message] of cases) {
      const answer = await api('load', { method: 'POST', headers, body: start })
      assert.equal(answer.status, status, `${what}: ${answer.body}`)
      assert.match(JSON.parse(answer.body).message, message, what)
    }
    assert.equal((await api('load')).status, 405)
    const bad = await api('load', { method: 'POST', headers: CONTROL, body: JSON.stringify({ rps: 5000 }) })
    assert.deepEqual(
      [bad.status, JSON.parse(bad.body).message],
      [400, 'body/rps must be a whole number from 1 to 500'],
    )
    assert.equal((await state()).load.running, false)
  })

  it('counts only the access log lines nginx tags: 2,000 forged datagrams count for nothing', async () => {
    // Where nginx sends the console its log: any local process (or container) can send there too.
    const [host, port] =
      MODE === 'native'
        ? ['127.0.0.1', env.port('CONSOLE_SYSLOG_PORT')]
        : [dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console'), CONSOLE_CONTAINER_SYSLOG_PORT]
    const replica = TARGETS[0]?.replicas[1] ?? 'app2'
    const upstream = new URL(replicaUrl(replica)).host
    const socket = createSocket('udp4')
    try {
      for (let i = 0; i < 2000; i++) {
        // Under the tag nginx used before it had a secret one, and under a made-up one.
        const line = `<190>Nov 25 08:00:00 ${i % 2 ? 'lb' : 'forged'}: {"uri":"/api/whoami","status":500,"upstream":"${upstream}","upstream_status":"500","upstream_time":"0.001"}`
        await new Promise<void>((resolve) => socket.send(line, port, host, () => resolve()))
      }
    } finally {
      socket.close()
    }
    // A datagram on this host is read within milliseconds: a second is room, not a claim.
    await sleep(1000)
    const shown = (await state()).sets
      .find((set: { name: string }) => set.name === 'app')
      .replicas.find((r: { name: string }) => r.name === replica)
    assert.equal(shown.traffic.errors, 0, JSON.stringify(shown.traffic))
    assert.ok(shown.traffic.rps < 100, JSON.stringify(shown.traffic))
  })

  it('answers no client but this machine: not the page, not the events, not the controls', async () => {
    const answers = await fromOtherClient(6, [
      { path: '/console/', tls: true },
      { path: '/console/events', tls: true },
      { path: '/console/api/state', tls: true },
      { path: '/console/api/load/stop', method: 'POST', headers: CONTROL, tls: true },
    ])
    for (const answer of answers) {
      assert.equal(answer.status, 403, answer.body)
      assert.match(JSON.parse(answer.body).message, /answers this machine only/)
    }
  })
})
