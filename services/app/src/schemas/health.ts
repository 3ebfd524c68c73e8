// GET /health and GET /ready (routes/health.ts).
import { Type } from 'typebox'

const Checks = Type.Record(Type.String(), Type.String())

export const healthSchemas = {
  health: {
    response: { 200: Type.Object({ status: Type.Literal('ok') }) },
  },
  ready: {
    response: {
      200: Type.Object({ status: Type.Literal('ready'), checks: Checks }),
      503: Type.Object({ error: Type.String(), message: Type.String(), checks: Checks }),
    },
  },
}
