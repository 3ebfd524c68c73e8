import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { WRITE_PENDING } from '../db.ts'
import { httpError, OutcomeUnknown } from '../errors.ts'
import { checkText } from '../json-body.ts'
import { insertNote, latestNotes, noteById, type WrittenNote } from '../repositories/notes.ts'
import { notesSchemas as schemas } from '../schemas/notes.ts'

export const NOTE_MAX_LENGTH = 1000

const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const replica = app.config.REPLICA_ID

  app.post('/api/notes', { schema: schemas.create }, async (request, reply) => {
    checkText('text', request.body.text, NOTE_MAX_LENGTH)
    const { text, image } = request.body
    const key = request.headers['idempotency-key']
    let written: Awaited<ReturnType<typeof app.db.write<WrittenNote>>>
    try {
      written = await app.db.write(request.deadline, (query) =>
        insertNote(query, replica, { text, image }, key),
      )
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
    const { note, servedBy } = await noteById(app.db, request.deadline, request.params.id, request.lastWrite)
    if (!note) throw httpError(404, `no note ${request.params.id}`)
    return { note, servedBy, replica }
  })

  app.get('/api/notes', { schema: schemas.list }, async (request) => {
    const limit = Number(request.query.limit ?? 20)
    const { notes, servedBy } = await latestNotes(app.db, request.deadline, limit, request.lastWrite)
    return { notes, servedBy, replica }
  })
}

export default notesRoutes
