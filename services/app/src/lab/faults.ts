import { type Static, Type } from 'typebox'

/**
 * The fault contract (contract/README.md, "Faults"): what an operator can make one replica do
 * wrong, set at run time with PUT /faults and never reachable through nginx. Every field is
 * optional; a PUT replaces the whole set, DELETE clears it, a restart forgets it.
 */
export const FaultsSchema = Type.Object(
  {
    // Added to every affected request, plus or minus up to jitterMs.
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    // Slow start: latencyMs shrinks to 0 over this many seconds from when the fault was set, as
    // a cold replica's (caches, JIT, pools) does after it starts.
    slowStartSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    // This share of affected requests is answered errorStatus (default 500) at once.
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    errorStatus: Type.Optional(Type.Integer({ enum: [500, 503] })),
    // /ready answers 503 while the process serves on: what a balancer with active checks sees.
    notReady: Type.Optional(Type.Boolean()),
    // CPU time burnt per affected request: the replica gets slower without holding more
    // connections for long, which is all least_conn can see.
    cpuMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    // Only requests under these path prefixes are affected (all /api/ routes when absent).
    routes: Type.Optional(
      Type.Array(Type.String({ pattern: '^/api/[A-Za-z0-9/_-]{0,100}$' }), { maxItems: 10 }),
    ),
  },
  { additionalProperties: false },
)
export type Faults = Static<typeof FaultsSchema>

/** The routes no fault touches: the probes and the operator's own. */
export const UNAFFECTED = ['/health', '/ready', '/metrics', '/faults']

export function affects(faults: Faults, path: string): boolean {
  if (UNAFFECTED.some((p) => path === p || path.startsWith(`${p}?`))) return false
  return faults.routes === undefined || faults.routes.some((prefix) => path.startsWith(prefix))
}

/** The latency to add now, `elapsedMs` after the faults were set; `random` in [0, 1). */
export function latencyNow(faults: Faults, elapsedMs: number, random: number): number {
  const base = faults.latencyMs ?? 0
  const decay = faults.slowStartSeconds ? Math.max(0, 1 - elapsedMs / (faults.slowStartSeconds * 1000)) : 1
  const jitter = (faults.jitterMs ?? 0) * (2 * random - 1)
  return Math.max(0, Math.round(base * decay + (base * decay > 0 ? jitter : 0)))
}

/** The kinds a fault set has active, as the lab_fault_active metric names them. */
export function activeKinds(faults: Faults): string[] {
  return [
    ['latency', (faults.latencyMs ?? 0) > 0 && !faults.slowStartSeconds],
    ['slow_start', (faults.latencyMs ?? 0) > 0 && Boolean(faults.slowStartSeconds)],
    ['errors', (faults.errorRate ?? 0) > 0],
    ['not_ready', faults.notReady === true],
    ['cpu', (faults.cpuMs ?? 0) > 0],
  ]
    .filter(([, on]) => on)
    .map(([kind]) => kind as string)
}
export const FAULT_KINDS = ['latency', 'slow_start', 'errors', 'not_ready', 'cpu'] as const
