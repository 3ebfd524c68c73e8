// POST /api/media (routes/media.ts). The body is multipart/form-data with one part, `file`; its
// rules are the contract's (contract/README.md, Media uploads), checked in the route.
import { Type } from 'typebox'
import { IdempotencyHeaders } from '../idempotency.ts'

export const mediaSchemas = {
  create: {
    headers: IdempotencyHeaders,
    response: {
      201: Type.Object({
        key: Type.String(),
        url: Type.String(),
        contentType: Type.String(),
        bytes: Type.Integer(),
        width: Type.Integer(),
        height: Type.Integer(),
        replica: Type.String(),
      }),
    },
  },
}
