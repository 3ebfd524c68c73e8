// The stack every end-to-end suite starts from, checked at its start: a suite that changes the
// shared stack (strategy, scale, faults, a stopped service) restores it in an `after` hook, which
// runs whether its tests passed or not; this makes a restore that failed a failure of the next
// suite, named, rather than a puzzle three suites later.

import { before } from 'node:test'
import { exampleEnv } from '../../tools/lab/src/env.ts'
import { replicaNames } from '../../tools/lab/src/topology.ts'
import { HTTPS, request } from './raw.ts'
import { until } from './stack.ts'

/** What .env.example sets up: least_conn, no setting changed, its replica counts, every replica serving, no fault. */
const example = exampleEnv()
const EXPECTED = {
  strategy: example.get('LB_STRATEGY'),
  sets: {
    app: replicaNames('app', Number(example.get('APP_REPLICAS'))),
    py: replicaNames('py', Number(example.get('PY_REPLICAS'))),
  } as Record<string, string[]>,
}

interface Shown {
  strategy: string
  changed: Array<{ name: string; value: string }>
  load: { running: boolean }
  sets: Array<{ name: string; replicas: Array<{ name: string; state: string; faults: object }> }>
}

/** How the stack differs from the baseline, as the console sees it (nginx's config, each replica). */
async function differences(): Promise<string[]> {
  const shown = JSON.parse((await request(`${HTTPS}/console/api/state`)).body) as Shown
  const problems: string[] = []
  if (shown.strategy !== EXPECTED.strategy) problems.push(`strategy ${shown.strategy}`)
  if (shown.load.running) problems.push("the console's load generator running")
  for (const { name, value } of shown.changed ?? []) problems.push(`${name}=${value}`)
  for (const set of shown.sets) {
    const names = set.replicas.map((r) => r.name)
    if (names.join() !== EXPECTED.sets[set.name]?.join()) problems.push(`${set.name} replicas ${names}`)
    for (const replica of set.replicas) {
      if (replica.state !== 'serving') problems.push(`${replica.name} ${replica.state}`)
      if (Object.keys(replica.faults).length > 0)
        problems.push(`${replica.name} faults ${JSON.stringify(replica.faults)}`)
    }
  }
  return problems
}

/**
 * Resolves once the stack is the baseline, polled for a while (a replica just restarted may still
 * be out of nginx's rotation for UPSTREAM_FAIL_TIMEOUT); else fails with `blame` and every difference.
 */
export async function backAtBaseline(blame: string): Promise<void> {
  let last: string[] = []
  await until(
    'the stack as .env.example sets it up',
    async () => {
      last = await differences()
      return last.length === 0
    },
    20_000,
  ).catch(() => {
    throw new Error(`${blame}: ${last.join('; ')}`)
  })
}

/** Registers the check in a suite file: before its first test, the stack must be the baseline. */
export function startsFromBaseline(): void {
  before(() => backAtBaseline('a suite before this one left the stack changed'))
}
