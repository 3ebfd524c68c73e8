import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { healthSchemas as schemas } from '../schemas/health.ts'

/** Resolves to 'ok', or to 'down: <reason>' when the probe fails or outlasts its budget. */
async function probe(run: () => Promise<unknown>, budgetMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${budgetMs} ms`)), budgetMs)
  })
  try {
    await Promise.race([run(), timeout])
    return 'ok'
  } catch (err) {
    return `down: ${(err as Error).message}`
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Liveness: the process answers. Deliberately checks no dependency, so a Redis or Postgres
  // outage never makes an orchestrator restart healthy replicas.
  app.get('/health', { schema: schemas.health }, async () => ({ status: 'ok' as const }))

  // Readiness: can this replica do useful work right now?
  app.get('/ready', { schema: schemas.ready }, async (_request, reply) => {
    const budget = app.config.DEPENDENCY_TIMEOUT_MS
    const [redis, postgres] = await Promise.all([
      probe(() => app.redis.ping(), budget),
      probe(() => app.pg.primary.query('SELECT 1'), budget),
    ])
    const checks = { redis, postgres }
    const failed = Object.entries(checks).filter(([, state]) => state !== 'ok')
    const held = app.readinessHolds.map((hold) => hold()).filter((why) => why !== undefined)
    if (app.draining || held.length > 0 || failed.length > 0) {
      const reasons = [
        ...(app.draining ? ['draining'] : []),
        ...held,
        ...failed.map(([name, state]) => `${name} ${state}`),
      ]
      return reply
        .code(503)
        .send({ error: 'Service Unavailable', message: `not ready: ${reasons.join('; ')}`, checks })
    }
    return { status: 'ready' as const, checks }
  })
}

export default healthRoutes
