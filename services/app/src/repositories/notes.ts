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
}
const COLUMNS = 'id, text, replica, created_at'
const toNote = (row: NoteRow) => ({
  id: Number(row.id),
  text: row.text,
  writtenBy: row.replica,
  createdAt: row.created_at.toISOString(),
})

export interface WrittenNote {
  id: string
  replica: string
  request_sha256: string | null
}

/**
 * Writes the note, or with an Idempotency-Key, writes it unless the key already wrote one: either
 * way, the key's note. A key used for another text is a 422.
 */
export async function insertNote(
  query: Query,
  replica: string,
  text: string,
  key: string | undefined,
): Promise<WrittenNote> {
  if (key === undefined) {
    const rows = await query<WrittenNote>(
      'INSERT INTO notes (text, replica) VALUES ($1, $2) RETURNING id, replica, request_sha256',
      [text, replica],
    )
    return rows[0] as WrittenNote
  }
  const inserted = await query<WrittenNote>(
    `INSERT INTO notes (text, replica, idempotency_key, request_sha256) VALUES ($1, $2, $3, $4)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, replica, request_sha256`,
    [text, replica, key, requestSha256(text)],
  )
  // A statement of its own (read committed: a fresh snapshot), so it sees the first write
  // even if that committed while the INSERT waited on it.
  const note = (inserted[0] ??
    (
      await query<WrittenNote>('SELECT id, replica, request_sha256 FROM notes WHERE idempotency_key = $1', [
        key,
      ])
    )[0]) as WrittenNote
  if (note.request_sha256 !== requestSha256(text)) {
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
