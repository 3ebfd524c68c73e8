import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { httpError } from '../errors.ts'

const schema = {
  querystring: Type.Object(
    { ms: Type.String({ pattern: '^[0-9]{1,6}$', description: 'milliseconds of simulated I/O wait' }) },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ replica: Type.String(), ms: Type.Integer(), queuedMs: Type.Integer() }),
  },
}

/**
 * Simulated I/O-bound work: waits `ms` inside the replica's concurrency limit. Throughput is
 * then capacity-bound (WORK_CONCURRENCY / ms per replica), which makes scaling measurable; past
 * capacity the replica sheds load (503 with Retry-After) rather than queueing without end.
 */
const workRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/work', { schema }, async (request) => {
    const ms = Number(request.query.ms)
    if (ms > app.config.WORK_MAX_MS) throw httpError(400, `ms must be at most ${app.config.WORK_MAX_MS}`)
    const arrived = performance.now()
    let started = arrived
    await app.withWorkSlot(async () => {
      started = performance.now()
      await sleep(ms)
    })
    return { replica: app.config.REPLICA_ID, ms, queuedMs: Math.round(started - arrived) }
  })
}

export default workRoutes
