import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import {
  burst,
  ENGINE,
  env,
  type Hit,
  lab,
  replicaUrl,
  stream,
  TARGETS,
  waitForReplica,
} from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

const failed = (hits: { status: number }[]) => hits.filter((h) => h.status !== 200)
/** How long nginx keeps a replica out after UPSTREAM_MAX_FAILS failures: the README's "back within". */
const FAIL_TIMEOUT_MS = env.ms('UPSTREAM_FAIL_TIMEOUT')
/** Slack for the polling itself (a request every 100 ms) and the verb's own return. */
const POLL_SLACK_MS = 1000

interface AccessLine {
  request_id: string
  status: number
  upstream: string
  upstream_status: string
  replica: string
  /** HAProxy's: how many tries failed before the one that answered. */
  retries?: number
}

/** The balancer's access log lines for these requests (`lab logs <engine>`: its JSON lines). */
async function accessLines(hits: Hit[]): Promise<AccessLine[]> {
  const ids = new Set(hits.map((h) => h.headers.get('x-request-id')))
  return (await lab(['logs', ENGINE])).split('\n').flatMap((line) => {
    const json = line.slice(line.indexOf('{"time"'))
    if (!line.includes('{"time"')) return []
    const entry = JSON.parse(json) as AccessLine
    return ids.has(entry.request_id) ? [entry] : []
  })
}

for (const { name, base, replicas } of TARGETS) {
  // The second replica of each set (app2, py2) is the one the stories break.
  const victim = replicas[1] as string

  describe(`failover through nginx (${name} replicas)`, () => {
    // Whatever a story did to the victim, it runs again when the suite ends, passed or failed.
    after(async () => {
      await lab(['unpause', victim]).catch(() => {})
      await lab(['start', victim])
    })
    // Each story starts from a healthy stack with the victim in rotation, whatever the last one did.
    beforeEach(async () => {
      await lab(['unpause', victim]).catch(() => {})
      await lab(['start', victim])
      await waitForReplica(victim, FAIL_TIMEOUT_MS + POLL_SLACK_MS, base)
    })

    it(`with ${victim} killed, 200 GETs get zero errors; started again, it is back within UPSTREAM_FAIL_TIMEOUT`, async (t) => {
      await lab(['kill', victim])
      let hits: Hit[]
      try {
        hits = await burst(`${base}/api/whoami`, 200, 4)
      } finally {
        await lab(['start', victim])
      }
      assert.deepEqual(failed(hits), [])
      assert.equal(
        hits.some((h) => h.replica === victim),
        false,
      )
      // `start` returns once the replica is ready; nginx tries it again at the first request
      // after its failure mark (set before the start) is UPSTREAM_FAIL_TIMEOUT old.
      const seconds = await waitForReplica(victim, FAIL_TIMEOUT_MS + POLL_SLACK_MS, base)
      t.diagnostic(`${victim} back in rotation ${seconds.toFixed(1)} s after it was ready`)
    })

    it(`with ${victim} paused, every request succeeds, the few sent to it retried elsewhere; unpaused, it is back within UPSTREAM_FAIL_TIMEOUT`, async (t) => {
      await lab(['pause', victim])
      let hits: Hit[]
      try {
        hits = await burst(`${base}/api/whoami`, 60, 3)
      } finally {
        await lab(['unpause', victim])
      }
      assert.deepEqual(failed(hits), [])
      // The balancer's own account: which requests it sent to the frozen replica, and what came
      // of them. nginx logs every try; HAProxy the replica that answered and how many tries failed.
      const address = new URL(replicaUrl(victim)).host
      const lines = await accessLines(hits)
      assert.equal(lines.length, hits.length, `every request is in ${ENGINE}'s access log`)
      const tried =
        ENGINE === 'nginx'
          ? lines.filter((l) => l.upstream.split(', ').includes(address))
          : lines.filter((l) => Number(l.retries) > 0)
      assert.ok(tried.length > 0, `no request was sent to the paused ${victim}`)
      for (const line of tried) {
        // Timed out there (504 in nginx's log), answered by another replica: one wait each.
        if (ENGINE === 'nginx') {
          assert.equal(line.upstream_status.split(', ')[0], '504', JSON.stringify(line))
          assert.equal(line.upstream.split(', ').length, 2, JSON.stringify(line))
        } else {
          assert.equal(line.retries, 1, JSON.stringify(line))
          assert.notEqual(line.upstream, address, JSON.stringify(line))
        }
        assert.notEqual(line.replica, victim, JSON.stringify(line))
      }
      const slowest = Math.max(...hits.map((h) => h.ms))
      const seconds = await waitForReplica(victim, FAIL_TIMEOUT_MS + POLL_SLACK_MS, base)
      t.diagnostic(
        `paused ${victim}: ${tried.length} of ${hits.length} requests sent to it, each retried elsewhere (slowest ${slowest.toFixed(0)} ms: UPSTREAM_READ_TIMEOUT ${env.get('UPSTREAM_READ_TIMEOUT')}); back in rotation ${seconds.toFixed(1)} s after unpause`,
      )
    })

    it(`stopping ${victim} (SIGTERM) in the middle of a stream of GETs loses none of them`, async () => {
      const traffic = stream(`${base}/api/whoami`, 4)
      try {
        // Stopped only once it has served some of the stream, and the stream goes on after.
        await waitForReplicaIn(traffic.hits, victim)
        await lab(['stop', victim])
      } finally {
        await traffic.stop(200)
        await lab(['start', victim])
      }
      assert.deepEqual(failed(traffic.hits), [])
      const after = traffic.hits.slice(-100)
      assert.equal(
        after.some((h) => h.replica === victim),
        false,
        `${victim} answered after it stopped`,
      )
    })
  })
}

/** Resolves once `replica` appears among the hits of a running stream (bounded). */
async function waitForReplicaIn(hits: Hit[], replica: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!hits.some((h) => h.replica === replica)) {
    if (Date.now() > deadline) throw new Error(`${replica} served none of ${hits.length} requests`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('make up on a stack with a paused replica', () => {
  it('unpauses it rather than calling the stack up with a frozen replica', async () => {
    await lab(['pause', 'app3'])
    try {
      assert.match(await lab(['up']), /app3 was paused; unpausing it/)
      await waitForReplica('app3', FAIL_TIMEOUT_MS + POLL_SLACK_MS)
    } finally {
      await lab(['unpause', 'app3']).catch(() => {})
    }
  })
})
