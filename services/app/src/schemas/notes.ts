// POST /api/notes, GET /api/notes/:id and GET /api/notes (routes/notes.ts).
import { Type } from 'typebox'
import { IdempotencyHeaders } from '../idempotency.ts'
import { MEDIA_KEY_PATTERN } from '../media/image.ts'

const ServedBy = Type.Union([Type.Literal('replica'), Type.Literal('primary')])
const Note = Type.Object({
  id: Type.Integer(),
  text: Type.String(),
  writtenBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  // The image it carries (uploaded before, POST /api/media), served by nginx at `url`; or null.
  image: Type.Union([Type.Null(), Type.Object({ key: Type.String(), url: Type.String() })]),
})

export const notesSchemas = {
  create: {
    headers: IdempotencyHeaders,
    // The type here; the text's own rules (length, controls, visible) in the handler, as the
    // contract words them (json-body.ts).
    body: Type.Object(
      { text: Type.String(), image: Type.Optional(Type.String({ pattern: MEDIA_KEY_PATTERN })) },
      { additionalProperties: false },
    ),
    response: { 201: Type.Object({ id: Type.Integer(), replica: Type.String() }) },
  },
  get: {
    params: Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }),
    response: { 200: Type.Object({ note: Note, servedBy: ServedBy, replica: Type.String() }) },
  },
  list: {
    querystring: Type.Object(
      { limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })) },
      { additionalProperties: false },
    ),
    response: { 200: Type.Object({ notes: Type.Array(Note), servedBy: ServedBy, replica: Type.String() }) },
  },
}
