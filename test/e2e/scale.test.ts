import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import {
  BASE,
  burst,
  ENGINE,
  env,
  HEALTH_PATH,
  hit,
  lab,
  SessionClient,
  shares,
  until,
} from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const PROMETHEUS = `http://127.0.0.1:${env.port('PROMETHEUS_PORT')}`

/** The app job's scrape targets Prometheus has now: replica label to health. */
async function appTargets(): Promise<Record<string, string>> {
  const response = await fetch(`${PROMETHEUS}/api/v1/targets?state=active`)
  const { data } = (await response.json()) as {
    data: { activeTargets: Array<{ labels: { job: string; replica: string }; health: string }> }
  }
  return Object.fromEntries(
    data.activeTargets
      .filter((t) => t.labels.job === 'app')
      .map((t) => [t.labels.replica, t.health])
      .sort(),
  )
}

describe('make scale: replicas in and out of a running stack', () => {
  after(() => lab(['scale', '3']))

  it('refuses a count that is not 1 to 9, and changes nothing', async () => {
    // What runs (the first column of `ps`: services or containers) and the config the balancer runs.
    const snapshot = async () => ({
      running: (await lab(['ps'])).split('\n').map((line) => line.split(' ')[0]),
      config: await (await fetch(`${BASE}${HEALTH_PATH}`)).text(),
    })
    const before = await snapshot()
    for (const bad of ['0', '10', 'five', '2.5']) {
      await assert.rejects(lab(['scale', bad]), /a replica count is a whole number from 1 to 9/, bad)
    }
    await assert.rejects(lab(['scale', '4', 'node']), /node is not a replica set/)
    assert.deepEqual(await snapshot(), before)
  })

  // Under load, POSTs included, the same verbs lose nothing: test/k6 runs loadtests/scale.ts.
  it('scales out 3 to 5: the new replicas take their share under least_conn, Prometheus scrapes them', async () => {
    await lab(['scale', '5'])
    // Even over five: each within 10 points of a fifth, 500 requests, 10 at a time.
    const spread = shares(await burst('/api/whoami', 500, 10))
    assert.deepEqual(Object.keys(spread).sort(), ['app1', 'app2', 'app3', 'app4', 'app5'])
    for (const [replica, share] of Object.entries(spread)) {
      assert.ok(Math.abs(share - 0.2) <= 0.1, `${replica}: ${(share * 100).toFixed(0)}%`)
    }
    const five = { app1: 'up', app2: 'up', app3: 'up', app4: 'up', app5: 'up' }
    await until(
      'Prometheus scrapes all five',
      async () => JSON.stringify(await appTargets()) === JSON.stringify(five),
      15_000,
    )
  })

  it('scales the Python sample on its own', async () => {
    await lab(['scale', '2', 'py'])
    try {
      const served = async (path: string) =>
        [
          ...new Set((await Promise.all(Array.from({ length: 30 }, () => hit(path)))).map((h) => h.replica)),
        ].sort()
      assert.deepEqual(await served('/py/api/whoami'), ['py1', 'py2'])
      assert.deepEqual(await served('/api/whoami'), ['app1', 'app2', 'app3', 'app4', 'app5'])
    } finally {
      await lab(['scale', '3', 'py'])
    }
  })

  it('scales in 5 to 2: only app1 and app2 answer, sessions are intact, Prometheus forgets the rest', async () => {
    const client = new SessionClient()
    for (let i = 0; i < 5; i++) await client.post('/api/visits')
    const output = await lab(['scale', '2'])
    // HAProxy takes them out through its runtime API; nginx open source has none, and reloads.
    if (ENGINE === 'haproxy')
      assert.match(output, /app3, app4, app5 drained through haproxy's runtime API \(no reload\)/)
    assert.equal((await client.post('/api/visits')).body.visits, 6)
    const seen = new Set(
      (await Promise.all(Array.from({ length: 40 }, () => hit('/api/whoami')))).map((h) => h.replica),
    )
    assert.deepEqual([...seen].sort(), ['app1', 'app2'])
    // Prometheus forgets the removed targets at its next discovery update (every 5 s).
    await until(
      'Prometheus scrapes app1 and app2 only',
      async () => JSON.stringify(await appTargets()) === JSON.stringify({ app1: 'up', app2: 'up' }),
      15_000,
    )
  })
})
