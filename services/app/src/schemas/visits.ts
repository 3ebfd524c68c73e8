// POST and GET /api/visits (routes/visits.ts).
import { Type } from 'typebox'
import { IdempotencyHeaders } from '../idempotency.ts'

const Visits = Type.Object({
  visits: Type.Integer(),
  replica: Type.String(),
  replicasSeen: Type.Array(Type.String()),
})

export const visitsSchemas = {
  count: { headers: IdempotencyHeaders, response: { 200: Visits } },
  get: { response: { 200: Visits } },
}
