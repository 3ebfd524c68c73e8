// Media for the upload stories: real images made here (fresh pixels each run, so a key is new
// and nginx's cache has never seen it), and multipart bodies built by hand, hostile ones too.
import { createHash, randomBytes } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'
import { createS3 } from '../../services/app/src/media/store.ts'
import { dockerBackendAddress, OBJECTSTORE_CONTAINER_PORT } from '../../tools/lab/src/topology.ts'
import { env, MODE } from './stack.ts'

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

function ihdr(width: number, height: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  return chunk('IHDR', header)
}

const SIGNATURE = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')

/** A valid RGB PNG of random pixels: a new image (and a new key) every call. */
export function randomPng(width = 64, height = 64): Buffer {
  const rows = Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), randomBytes(width * 3)]))
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A few hundred bytes that declare a canvas of width x height: a decompression bomb's header. */
export function bombPng(width: number, height: number): Buffer {
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height),
    chunk('IDAT', deflateSync(Buffer.alloc(4096))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The smallest valid files of the other three formats, 1x1 each. */
export const TINY = {
  gif: Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64'),
  webp: Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'),
  jpeg: Buffer.from(
    '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
    'base64',
  ),
}

/** The key POST /api/media gives these bytes: their SHA-256 and the extension of their type. */
export const mediaKey = (bytes: Buffer, extension: string) =>
  `${createHash('sha256').update(bytes).digest('hex')}.${extension}`

export const BOUNDARY = 'lab-test-boundary-7f3a'

/** A multipart/form-data body with one part; `tail: false` leaves it cut short (no closing boundary). */
export function multipart(
  bytes: Buffer,
  { name = 'file', filename = 'upload.png', type = 'image/png', tail = true } = {},
): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`
  return Buffer.concat([
    Buffer.from(head, 'latin1'),
    bytes,
    Buffer.from(tail ? `\r\n--${BOUNDARY}--\r\n` : '', 'latin1'),
  ])
}

export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`

/** The store as the replicas reach it (this machine reaches Docker's backend network as its gateway). */
export function storeClient() {
  const endpoint =
    MODE === 'native'
      ? `http://127.0.0.1:${env.port('OBJECTSTORE_S3_PORT')}`
      : `http://${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'objectstore')}:${OBJECTSTORE_CONTAINER_PORT}`
  return createS3({
    S3_ENDPOINT: endpoint,
    S3_BUCKET: env.get('S3_BUCKET'),
    S3_ACCESS_KEY_ID: env.get('S3_ACCESS_KEY_ID'),
    S3_SECRET_ACCESS_KEY: env.get('S3_SECRET_ACCESS_KEY'),
    DEPENDENCY_TIMEOUT_MS: 2000,
  })
}
