import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DependencyUnavailable, httpError } from '../errors.ts'
import { IdempotencyHeaders, requestSha256 } from '../idempotency.ts'

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
    body: Type.Object(
      // Must contain something other than white space.
      { text: Type.String({ minLength: 1, maxLength: NOTE_MAX_LENGTH, pattern: '\\S' }) },
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

const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const replica = app.config.REPLICA_ID

  type WrittenRow = { id: string; replica: string; request_sha256: string | null }
  const writeNote = (text: string) =>
    app.db.write<WrittenRow>(
      'INSERT INTO notes (text, replica) VALUES ($1, $2) RETURNING id, replica, request_sha256',
      [text, replica],
    )
  /** Writes the note unless its key already wrote one; either way, the note of that key. */
  const writeNoteOnce = async (key: string, text: string) => {
    const inserted = await app.db.write<WrittenRow>(
      `INSERT INTO notes (text, replica, idempotency_key, request_sha256) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256`,
      [text, replica, key, requestSha256(text)],
    )
    if (inserted.rows.length > 0) return inserted
    // A statement of its own: it sees the first write even if that committed while this one
    // waited on it (the conflict check waits for an uncommitted insert of the same key).
    return app.db.write<WrittenRow>(
      'SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = $1',
      [key],
    )
  }

  app.post('/api/notes', { schema: schemas.create }, async (request, reply) => {
    const { session } = request
    // A session that came with the request was just read from Redis; a new one will be saved
    // after the write. Check Redis first, so an outage answers 503 with nothing written rather
    // than a committed note whose read-your-writes marker cannot be kept.
    if (!session.get('createdBy')) {
      await app.redis.ping().catch((err: unknown) => {
        app.countSessionStoreError('ping')
        throw new DependencyUnavailable('session store', err)
      })
    }
    const { text } = request.body
    const key = request.headers['idempotency-key']
    const { rows, lsn } = key === undefined ? await writeNote(text) : await writeNoteOnce(key, text)
    const note = rows[0] as WrittenRow
    if (key !== undefined && note.request_sha256 !== requestSha256(text)) {
      throw httpError(422, 'Idempotency-Key already used for a different request')
    }
    // Reads in this session go to the replica only once it has replayed this far.
    if (!session.get('createdBy')) session.set('createdBy', replica)
    session.set('lastWriteLsn', lsn)
    // A repeat gets the first answer: the same note, written by the replica that wrote it.
    return reply.code(201).send({ id: Number(note.id), replica: note.replica })
  })

  app.get('/api/notes/:id', { schema: schemas.get }, async (request) => {
    const { rows, servedBy } = await app.db.read<NoteRow>(
      `SELECT ${COLUMNS} FROM notes WHERE id = $1`,
      [request.params.id],
      request.session.get('lastWriteLsn'),
    )
    const row = rows[0]
    if (!row) throw httpError(404, `no note ${request.params.id}`)
    return { note: toNote(row), servedBy, replica }
  })

  app.get('/api/notes', { schema: schemas.list }, async (request) => {
    const { rows, servedBy } = await app.db.read<NoteRow>(
      `SELECT ${COLUMNS} FROM notes ORDER BY id DESC LIMIT $1`,
      [Number(request.query.limit ?? 20)],
      request.session.get('lastWriteLsn'),
    )
    return { notes: rows.map(toNote), servedBy, replica }
  })
}

export default notesRoutes
