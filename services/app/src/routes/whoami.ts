import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const Whoami = Type.Object({
  replica: Type.String(),
  pid: Type.Integer(),
  uptimeSeconds: Type.Number(),
  // The caller's address as the replica sees it: nginx's X-Forwarded-For, trusted only from the proxy.
  clientIp: Type.String(),
})

const whoamiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/whoami', { schema: { response: { 200: Whoami } } }, async (request) => ({
    replica: app.config.REPLICA_ID,
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime() * 10) / 10,
    clientIp: request.ip,
  }))
}

export default whoamiRoutes
