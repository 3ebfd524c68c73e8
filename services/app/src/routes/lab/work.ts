import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { httpError } from '../../errors.ts'
import { burnCpu } from '../../lab/cpu.ts'
import { addServerTiming } from '../../lab/server-timing.ts'

const milliseconds = (description: string) =>
  Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description }))
const schema = {
  querystring: Type.Object(
    {
      ms: milliseconds('milliseconds of simulated I/O wait'),
      cpu: milliseconds('milliseconds of CPU time to burn'),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({
      replica: Type.String(),
      ms: Type.Optional(Type.Integer()),
      cpu: Type.Optional(Type.Integer()),
      queuedMs: Type.Integer(),
    }),
  },
}

/**
 * Simulated work inside the replica's concurrency limit, one kind per request: `ms` waits (I/O
 * bound: throughput is capacity-bound, WORK_CONCURRENCY / ms per replica, and grows with every
 * replica), `cpu` computes (CPU bound: a Node process computes one at a time, and replicas
 * together are capped by the machine's cores). Past capacity the replica sheds load (503 with
 * Retry-After) rather than queueing without end.
 */
const workRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/work', { schema }, async (request, reply) => {
    const { ms, cpu } = request.query
    if ((ms === undefined) === (cpu === undefined))
      throw httpError(400, 'give one of ms (I/O wait) or cpu (CPU time)')
    const kind = ms === undefined ? 'cpu' : 'ms'
    const amount = Number(ms ?? cpu)
    if (amount > app.config.WORK_MAX_MS)
      throw httpError(400, `${kind} must be at most ${app.config.WORK_MAX_MS}`)
    const arrived = performance.now()
    let started = arrived
    try {
      await app.withWorkSlot(async () => {
        started = performance.now()
        addServerTiming(reply, 'work-queue', started - arrived)
        if (kind === 'ms') await sleep(amount)
        else burnCpu(amount)
      })
    } catch (err) {
      // Shed: how long it waited first (0 when the queue was full: turned away at once).
      addServerTiming(reply, 'work-queue', performance.now() - arrived)
      throw err
    }
    return { replica: app.config.REPLICA_ID, [kind]: amount, queuedMs: Math.round(started - arrived) }
  })
}

export default workRoutes
