import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { whoamiSchemas as schemas } from '../schemas/whoami.ts'

const whoamiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/whoami', { schema: schemas.get }, async (request) => ({
    replica: app.config.REPLICA_ID,
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime() * 10) / 10,
    clientIp: request.ip,
  }))
}

export default whoamiRoutes
