import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startsFromBaseline } from '../lib/baseline.ts'
import { assertEveryJobUp, emptyPanels, panelQueries } from '../lib/prometheus.ts'
import { burst, ENGINE, SessionClient, TARGETS, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

describe('observability against the live stack', () => {
  it('scrapes every target, and every query of every dashboard panel returns data', async (t) => {
    // Some of everything a panel shows: reads, writes, sessions.
    for (const { base } of TARGETS) {
      const client = new SessionClient()
      for (let i = 0; i < 20; i++) {
        const { body } = await client.post(`${base}/api/notes`, { text: `observed ${i}` })
        await client.send(`${base}/api/notes/${body.id}`)
        await client.post(`${base}/api/visits`)
      }
      await burst(`${base}/api/whoami`, 150, 3)
    }
    // Rates and recording rules need two scrape and evaluation rounds (5 s each) to have data:
    // polled until every panel has some, not slept for.
    // The balancer's panel holds both engines' series: the one not running has none, by design.
    const otherEngine = ENGINE === 'nginx' ? 'haproxy_' : 'nginx_connections_'
    const queries = [...panelQueries('app', 'app1'), ...panelQueries('py', 'py1')].filter(
      ({ expr }) => !expr.includes(otherEngine),
    )
    let empty: string[] = []
    const seconds = await until(
      'every panel query has data',
      async () => {
        empty = await emptyPanels(queries)
        return empty.length === 0
      },
      60_000,
    ).catch(() => assert.fail(`panels with no data after 60 s:\n${empty.join('\n')}`))

    await assertEveryJobUp()

    // The same dashboard for either set of replicas: the job variable picks one.
    t.diagnostic(
      `${queries.length} panel queries (job app, job py), all with data after ${seconds.toFixed(0)} s`,
    )
  })
})
