import { createHash } from 'node:crypto'
import { Type } from 'typebox'

/**
 * The Idempotency-Key header every route that may be retried accepts (POST /api/visits, POST
 * /api/notes): a client-chosen key for one logical request. Malformed or too long: a 400, the
 * same on every route and in both implementations (lbsample/validation.py).
 */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })),
})

/** What a key is bound to: the request's content, so that its repeat can be told from another. */
export const requestSha256 = (content: string) => createHash('sha256').update(content, 'utf8').digest('hex')
