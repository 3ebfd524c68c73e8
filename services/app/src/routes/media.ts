import { createHash } from 'node:crypto'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { httpError } from '../errors.ts'
import { CONTENT_TYPES, EXTENSIONS, sniffImage } from '../media/image.ts'
import { insertMedia, type MediaRow, mediaByIdempotencyKey } from '../repositories/media.ts'
import { mediaSchemas as schemas } from '../schemas/media.ts'

// A file name is not used (the key is the content's hash), but one that could be a path or
// carries control characters is refused rather than passed on anywhere.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const BAD_FILE_NAME = /[\u0000-\u001f\u007f-\u009f/\\]|^\.\.?$/

/** The one part, `file`, read whole within MEDIA_MAX_BYTES; any other shape is a 4xx. */
async function readFile(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  if (!request.isMultipart())
    throw httpError(415, `Unsupported Media Type: ${request.headers['content-type'] ?? 'none'}`)
  let bytes: Buffer | undefined
  try {
    // preservePath: the name as sent, so that a path in it is refused, not cut to its last part.
    const parts = request.parts({
      preservePath: true,
      limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 },
    })
    for await (const part of parts) {
      if (part.type !== 'file' || part.fieldname !== 'file')
        throw httpError(400, 'the body must have one part, named file')
      if (part.filename.length > 255 || BAD_FILE_NAME.test(part.filename)) {
        throw httpError(400, 'file name must not contain a path or control characters')
      }
      bytes = await part.toBuffer()
    }
  } catch (err) {
    const { statusCode, code } = err as { statusCode?: number; code?: string }
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw httpError(413, `file larger than ${maxBytes} bytes`)
    if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw httpError(400, 'the body must have one part, named file')
    }
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500 && !code?.startsWith('FST_'))
      throw err
    // Busboy's own: a boundary never closed, a body cut short.
    throw httpError(400, 'multipart body is malformed or incomplete')
  }
  if (!bytes || bytes.length === 0) throw httpError(400, 'the body must have one part, named file')
  return bytes
}

/**
 * POST /api/media: an image, stored in the object store under its content's hash and recorded in
 * Postgres; nginx serves it at the URL answered (/media/<key>), from the store through its cache.
 */
const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { MEDIA_MAX_BYTES, MEDIA_MAX_PIXELS, REPLICA_ID, DEPENDENCY_TIMEOUT_MS } = app.config
  // Multipart bodies in this scope only: every other route stays JSON.
  await app.register(multipart, { limits: { headerPairs: 20 } })

  app.post('/api/media', { schema: schemas.create }, async (request, reply) => {
    const bytes = await readFile(request, MEDIA_MAX_BYTES)
    const image = sniffImage(bytes)
    if (!image) throw httpError(415, 'file is not a PNG, JPEG, GIF or WebP image')
    if (image.width < 1 || image.height < 1 || image.width * image.height > MEDIA_MAX_PIXELS) {
      throw httpError(
        422,
        `image must be 1 to ${MEDIA_MAX_PIXELS} pixels (it declares ${image.width}x${image.height})`,
      )
    }
    const media: MediaRow = {
      key: `${createHash('sha256').update(bytes).digest('hex')}.${EXTENSIONS[image.type]}`,
      content_type: CONTENT_TYPES[image.type],
      bytes: bytes.length,
      width: image.width,
      height: image.height,
      replica: REPLICA_ID,
    }
    const idempotencyKey = request.headers['idempotency-key']
    // A key already used for other bytes: refused before anything is written.
    if (idempotencyKey !== undefined) {
      const earlier = await mediaByIdempotencyKey(app.db, request.deadline, idempotencyKey)
      if (earlier && earlier.key !== media.key)
        throw httpError(422, 'Idempotency-Key already used for a different request')
    }
    // The object first, then its row: a row never points at nothing. A failure between the two
    // leaves an object no row names, harmless (contract/README.md, Media uploads).
    await app.putMedia(media.key, bytes, media.content_type, request.deadline.clamp(DEPENDENCY_TIMEOUT_MS))
    const { result } = await app.db.write(request.deadline, (query) =>
      insertMedia(query, media, idempotencyKey),
    )
    return reply.code(201).send({
      key: result.key,
      url: app.mediaUrl(result.key),
      contentType: result.content_type,
      bytes: result.bytes,
      width: result.width,
      height: result.height,
      replica: result.replica,
    })
  })
}

export default mediaRoutes
