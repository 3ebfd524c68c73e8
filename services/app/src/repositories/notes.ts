// The notes table's SQL, apart from the routes (routes/notes.ts): writes run in db.write's
// transaction on the primary, reads through db.read, which picks the standby or the primary.
import type { Db, Query } from '../db.ts'
import type { Deadline } from '../deadline.ts'
import { httpError } from '../errors.ts'
import { requestSha256 } from '../idempotency.ts'

interface NoteRow {
  id: string
  text: string
  replica: string
  created_at: Date
  image: string | null
}
const COLUMNS = 'id, text, replica, created_at, image'
const toNote = (row: NoteRow) => ({
  id: Number(row.id),
  text: row.text,
  writtenBy: row.replica,
  createdAt: row.created_at.toISOString(),
  image: row.image === null ? null : { key: row.image, url: `/media/${row.image}` },
})

/** What an Idempotency-Key is bound to: the text, and the image if the note carries one. */
const requestOf = (text: string, image: string | undefined) =>
  requestSha256(image === undefined ? text : `${text}\u0000${image}`)

/** Postgres's foreign key violation: the image named is no uploaded one. */
const FOREIGN_KEY_VIOLATION = '23503'

export interface WrittenNote {
  id: string
  replica: string
  request_sha256: string | null
}

/**
 * Writes the note, or with an Idempotency-Key, writes it unless the key already wrote one: either
 * way, the key's note. A key used for another request is a 422, and so is an image no upload made.
 */
export async function insertNote(
  query: Query,
  replica: string,
  note: { text: string; image: string | undefined },
  key: string | undefined,
): Promise<WrittenNote> {
  try {
    return await insert(query, replica, note, key)
  } catch (err) {
    if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
      throw httpError(422, `no uploaded image ${note.image}`)
    }
    throw err
  }
}

async function insert(
  query: Query,
  replica: string,
  { text, image }: { text: string; image: string | undefined },
  key: string | undefined,
): Promise<WrittenNote> {
  if (key === undefined) {
    const rows = await query<WrittenNote>(
      'INSERT INTO notes (text, replica, image) VALUES ($1, $2, $3) RETURNING id, replica, request_sha256',
      [text, replica, image ?? null],
    )
    return rows[0] as WrittenNote
  }
  const inserted = await query<WrittenNote>(
    `INSERT INTO notes (text, replica, image, idempotency_key, request_sha256) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256`,
    [text, replica, image ?? null, key, requestOf(text, image)],
  )
  // A statement of its own (read committed: a fresh snapshot), so it sees the first write
  // even if that committed while the INSERT waited on it.
  const note = (inserted[0] ??
    (
      await query<WrittenNote>('SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = $1', [
        key,
      ])
    )[0]) as WrittenNote
  if (note.request_sha256 !== requestOf(text, image)) {
    throw httpError(422, 'Idempotency-Key already used for a different request')
  }
  return note
}

/** One note, or undefined; from the standby unless it is behind `lastWrite` (or down). */
export async function noteById(db: Db, deadline: Deadline, id: string, lastWrite: string | undefined) {
  const { rows, servedBy } = await db.read<NoteRow>(
    deadline,
    `SELECT ${COLUMNS} FROM notes WHERE id = $1`,
    [id],
    lastWrite,
  )
  return { note: rows[0] && toNote(rows[0]), servedBy }
}

/** The latest `limit` notes, newest first; read as noteById reads. */
export async function latestNotes(db: Db, deadline: Deadline, limit: number, lastWrite: string | undefined) {
  const { rows, servedBy } = await db.read<NoteRow>(
    deadline,
    `SELECT ${COLUMNS} FROM notes ORDER BY id DESC LIMIT $1`,
    [limit],
    lastWrite,
  )
  return { notes: rows.map(toNote), servedBy }
}
