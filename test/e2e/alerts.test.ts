// The lab's alert rules on the live stack: an alert fires only once its for: window has passed,
// and resolves by itself. Prometheus's rules and scrapes decide it, whichever engine balances and
// whichever mode runs the replicas: it runs once, natively (test/parts.ts NATIVE_ONLY_SUITES).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'yaml'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { prometheus as api } from '../lib/prometheus.ts'
import { lab, until } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

interface Alert {
  labels: Record<string, string>
  state: string
  activeAt: string
}

/** An alert rule's for: window, in milliseconds, as prometheus/rules/alerts.yml states it. */
function alertFor(name: string): number {
  const rules = parse(readFileSync(join(repoRoot, 'prometheus/rules/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert?: string; for?: string }> }>
  }
  const window = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name)?.for ?? ''
  const match = /^(\d+)(s|m)$/.exec(window)
  if (!match) throw new Error(`${name} has no for: window in seconds or minutes (${window})`)
  return Number(match[1]) * (match[2] === 'm' ? 60_000 : 1000)
}

describe('alerts against the live stack', () => {
  it('fires ReplicaDown for a killed replica only once its for: window has passed, and resolves it when it is back', async (t) => {
    const forMs = alertFor('ReplicaDown')
    const replicaDown = async () =>
      ((await api('/api/v1/alerts')).alerts as Alert[]).find(
        (a) => a.labels.alertname === 'ReplicaDown' && a.labels.replica === 'app2',
      )
    assert.equal(await replicaDown(), undefined, 'ReplicaDown for app2 before the kill')
    await lab(['kill', 'app2'])
    let firing: { seenAt: number; activeAt: number } | undefined
    const states = new Set<string>()
    try {
      // Bounded: the for: window, plus scrapes and evaluations (5 s each) to see it, with room.
      const deadline = Date.now() + forMs + 45_000
      while (!firing && Date.now() < deadline) {
        const alert = await replicaDown()
        if (alert) states.add(alert.state)
        if (alert?.state === 'firing') firing = { seenAt: Date.now(), activeAt: Date.parse(alert.activeAt) }
        else await sleep(250)
      }
    } finally {
      await lab(['start', 'app2'])
    }
    assert.ok(firing, `ReplicaDown for app2 never fired (seen: ${[...states].join(', ') || 'nothing'})`)
    // Prometheus's own clock (activeAt: when the alert went pending) against this one's, on the
    // same machine: firing is never seen before the for: window has passed.
    assert.ok(
      firing.seenAt - firing.activeAt >= forMs,
      `fired ${firing.seenAt - firing.activeAt} ms after it went pending, before its for: (${forMs} ms)`,
    )
    const resolvedAfter = await until('ReplicaDown resolved', async () => !(await replicaDown()), 60_000)
    t.diagnostic(
      `ReplicaDown ${[...states].join(' then ')}, firing ${((firing.seenAt - firing.activeAt) / 1000).toFixed(1)} s after it went pending (for: ${forMs / 1000} s); resolved ${resolvedAfter.toFixed(1)} s after app2 started`,
    )
  })
})
