import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { FaultsSchema } from '../../lab/faults.ts'

const State = Type.Object({
  replica: Type.String(),
  faults: FaultsSchema,
  setAt: Type.Union([Type.String(), Type.Null()]),
})

/**
 * The operator's fault switch (`make fault`): on the replica's own port only. nginx answers
 * /faults itself (404), like /metrics, so no client can reach it.
 */
const faultsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const state = () => ({
    replica: app.config.REPLICA_ID,
    faults: app.faults.current,
    setAt: app.faults.setAt === null ? null : new Date(app.faults.setAt).toISOString(),
  })
  app.get('/faults', { schema: { response: { 200: State } } }, async () => state())
  app.put('/faults', { schema: { body: FaultsSchema, response: { 200: State } } }, async (request) => {
    app.faults.set(request.body)
    return state()
  })
  app.delete('/faults', { schema: { response: { 200: State } } }, async () => {
    app.faults.set({})
    return state()
  })
}

export default faultsRoutes
