// The media table's SQL (migrations/003_media.sql), apart from the route (routes/media.ts).
import { type Db, type Query, WRITE_PENDING } from '../db.ts'
import type { Deadline } from '../deadline.ts'
import { httpError } from '../errors.ts'

export interface MediaRow {
  key: string
  content_type: string
  bytes: number
  width: number
  height: number
  replica: string
}
const COLUMNS = 'key, content_type, bytes, width, height, replica'

/** The row an Idempotency-Key wrote, if any (read on the primary: it is about to decide a write). */
export async function mediaByIdempotencyKey(db: Db, deadline: Deadline, idempotencyKey: string) {
  const { rows } = await db.read<MediaRow>(
    deadline,
    `SELECT ${COLUMNS} FROM media WHERE idempotency_key = $1`,
    [idempotencyKey],
    WRITE_PENDING,
  )
  return rows[0]
}

/**
 * Records an object already in the store. The same bytes (the same key) uploaded again find the
 * first row; an Idempotency-Key already used for other bytes is a 422.
 */
export async function insertMedia(
  query: Query,
  media: MediaRow,
  idempotencyKey: string | undefined,
): Promise<MediaRow> {
  const inserted = await query<MediaRow>(
    `INSERT INTO media (key, content_type, bytes, width, height, replica, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [
      media.key,
      media.content_type,
      media.bytes,
      media.width,
      media.height,
      media.replica,
      idempotencyKey ?? null,
    ],
  )
  if (inserted[0]) return inserted[0]
  // A statement of its own (read committed: a fresh snapshot) sees a write that raced this one.
  if (idempotencyKey !== undefined) {
    const keyed = await query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE idempotency_key = $1`, [
      idempotencyKey,
    ])
    if (keyed[0] && keyed[0].key !== media.key) {
      throw httpError(422, 'Idempotency-Key already used for a different request')
    }
    if (keyed[0]) return keyed[0]
  }
  const [existing] = await query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE key = $1`, [media.key])
  return existing as MediaRow
}
