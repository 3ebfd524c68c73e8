import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { type Query, WRITE_PENDING } from '../db.ts'
import { httpError, OutcomeUnknown } from '../errors.ts'
import { IdempotencyHeaders, requestSha256 } from '../idempotency.ts'
import { checkText } from '../json-body.ts'

export const NOTE_MAX_LENGTH = 1000

const ServedBy = Type.Union([Type.Literal('replica'), Type.Literal('primary')])
const Note = Type.Object({
  id: Type.Integer(),
  text: Type.String(),
  writtenBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})

interface NoteRow {
  id: string
  text: string
  replica: string
  created_at: Date
}
const COLUMNS = 'id, text, replica, created_at'
const toNote = (row: NoteRow) => ({
  id: Number(row.id),
  text: row.text,
  writtenBy: row.replica,
  createdAt: row.created_at.toISOString(),
})

const schemas = {
  create: {
    headers: IdempotencyHeaders,
    // The type here; the text's own rules (length, controls, visible) in the handler, as the
    // contract words them (json-body.ts).
    body: Type.Object({ text: Type.String() }, { additionalProperties: false }),
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

const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const replica = app.config.REPLICA_ID

  type WrittenRow = { id: string; replica: string; request_sha256: string | null }
  /** Writes the note, or with a key, writes it unless the key already wrote one: either way, the key's note. */
  const insert = async (query: Query, text: string, key: string | undefined) => {
    if (key === undefined) {
      const rows = await query<WrittenRow>(
        'INSERT INTO notes (text, replica) VALUES ($1, $2) RETURNING id, replica, request_sha256',
        [text, replica],
      )
      return rows[0] as WrittenRow
    }
    const inserted = await query<WrittenRow>(
      `INSERT INTO notes (text, replica, idempotency_key, request_sha256) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256`,
      [text, replica, key, requestSha256(text)],
    )
    // A statement of its own (read committed: a fresh snapshot), so it sees the first write
    // even if that committed while the INSERT waited on it.
    const note = (inserted[0] ??
      (
        await query<WrittenRow>('SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = $1', [
          key,
        ])
      )[0]) as WrittenRow
    if (note.request_sha256 !== requestSha256(text)) {
      throw httpError(422, 'Idempotency-Key already used for a different request')
    }
    return note
  }

  app.post('/api/notes', { schema: schemas.create }, async (request, reply) => {
    checkText('text', request.body.text, NOTE_MAX_LENGTH)
    const { text } = request.body
    const key = request.headers['idempotency-key']
    let written: Awaited<ReturnType<typeof app.db.write<WrittenRow>>>
    try {
      written = await app.db.write(request.deadline, (query) => insert(query, text, key))
    } catch (err) {
      // Maybe written: this client's reads go to the primary for a while, where it is if it is.
      if (err instanceof OutcomeUnknown) reply.rememberWrite(WRITE_PENDING)
      throw err
    }
    // This client's reads go to the standby only once it has replayed this far.
    reply.rememberWrite(written.lsn ?? WRITE_PENDING)
    // A repeat gets the first answer: the same note, written by the replica that wrote it.
    const note = written.result
    return reply.code(201).send({ id: Number(note.id), replica: note.replica })
  })

  app.get('/api/notes/:id', { schema: schemas.get }, async (request) => {
    const { rows, servedBy } = await app.db.read<NoteRow>(
      request.deadline,
      `SELECT ${COLUMNS} FROM notes WHERE id = $1`,
      [request.params.id],
      request.lastWrite,
    )
    const row = rows[0]
    if (!row) throw httpError(404, `no note ${request.params.id}`)
    return { note: toNote(row), servedBy, replica }
  })

  app.get('/api/notes', { schema: schemas.list }, async (request) => {
    const { rows, servedBy } = await app.db.read<NoteRow>(
      request.deadline,
      `SELECT ${COLUMNS} FROM notes ORDER BY id DESC LIMIT $1`,
      [Number(request.query.limit ?? 20)],
      request.lastWrite,
    )
    return { notes: rows.map(toNote), servedBy, replica }
  })
}

export default notesRoutes
