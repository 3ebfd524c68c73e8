// What the running stack was told beyond .env.example: the console and `make ps` show it, and the
// suites' baseline requires none. The balancer's settings a lesson changes at `make up`, and every
// anti-pattern switch (a mistake on purpose), the balancer's and the replicas'. Rendered with the
// balancer's config (console.json), so it is what runs, in every mode.
import { REPLICA_ENV } from './contract.ts'
import { exampleEnv, type LabEnv } from './env.ts'

/**
 * The balancer's own anti-pattern switches: the value that turns the mistake on, and what it is
 * (the replicas' are in contract/replica-env.json, `antiPattern`).
 */
const BALANCER_ANTI_PATTERNS: Readonly<Record<string, string>> = {
  UPSTREAM_KEEPALIVE: 'off: a new connection to a replica for every request',
}

/**
 * The balancer's settings a lesson may change at `make up`, which its config takes as they are
 * (each reaches the render in every mode; nginx's renderer reads this list).
 */
export const BALANCER_SETTINGS = [
  'UPSTREAM_MAX_FAILS',
  'UPSTREAM_FAIL_TIMEOUT',
  'UPSTREAM_CONNECT_TIMEOUT',
  'UPSTREAM_READ_TIMEOUT',
  'UPSTREAM_KEEPALIVE_TIMEOUT',
  'UPSTREAM_KEEPALIVE',
  'RATE_LIMIT_RPS',
  'RATE_LIMIT_BURST',
  'RATE_LIMIT_WRITE_RPS',
  'RATE_LIMIT_WRITE_BURST',
  'RATE_LIMIT_NEW_SESSIONS',
  'RATE_LIMIT_NEW_SESSIONS_BURST',
  'RATE_LIMIT_CONN',
  'CLIENT_MAX_BODY_SIZE',
]
/** And the ones each engine renders in a form of its own. */
const BALANCER_SETTINGS_RENDERED = ['RATE_LIMIT_EXEMPT']

/** A setting whose value is not .env.example's. */
export interface Changed {
  name: string
  value: string
  example: string
  /** Set when the value turns on an anti-pattern switch: what the mistake is. */
  mistake?: string
}

/** The anti-pattern switches of the replicas, by name: the value that turns each on, and what it is. */
function replicaAntiPatterns(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(REPLICA_ENV).flatMap(([name, variable]) =>
      variable.antiPattern ? [[name, variable.antiPattern]] : [],
    ),
  )
}

export function changedFromExample(env: LabEnv): Changed[] {
  const example = exampleEnv()
  const switches = { ...replicaAntiPatterns(), ...BALANCER_ANTI_PATTERNS }
  const balancer = [...BALANCER_SETTINGS, ...BALANCER_SETTINGS_RENDERED]
  const names = [...balancer, ...Object.keys(switches).filter((n) => !balancer.includes(n))]
  return names.flatMap((name) => {
    const value = env.values.get(name) ?? ''
    const fallback = example.get(name) ?? String(REPLICA_ENV[name]?.default ?? '')
    if (value === '' || value === fallback) return []
    const described = switches[name]
    const on = described?.split(':')[0]
    return [
      {
        name,
        value,
        example: fallback,
        ...(described && on === value ? { mistake: described.slice(on.length + 1).trim() } : {}),
      },
    ]
  })
}

/** One line for a person: what differs from .env.example, each mistake said as such. */
export function describeChanged(changed: Changed[]): string {
  if (changed.length === 0) return 'as .env.example sets it up'
  return changed
    .map(({ name, value, example, mistake }) =>
      mistake ? `${name}=${value} (a mistake on purpose: ${mistake})` : `${name}=${value} (not ${example})`,
    )
    .join(', ')
}
