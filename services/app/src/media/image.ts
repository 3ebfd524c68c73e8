// What an uploaded file is, decided by its bytes (never by the client's Content-Type or file
// name): one of four image formats, and the dimensions its header declares, read without
// decoding a pixel. Python's twin: lbsample/media/image.py; contract/README.md, Media uploads.

export type ImageType = 'png' | 'jpeg' | 'gif' | 'webp'

export const CONTENT_TYPES: Readonly<Record<ImageType, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
}
/** The extension the content-addressed key ends with (nginx's /media/ location accepts these). */
export const EXTENSIONS: Readonly<Record<ImageType, string>> = {
  png: 'png',
  jpeg: 'jpg',
  gif: 'gif',
  webp: 'webp',
}

/** A media key, as POST /api/media answers it and a note may carry it: the content's SHA-256 and its extension. */
export const MEDIA_KEY_PATTERN = '^[0-9a-f]{64}\\.(png|jpg|gif|webp)$'

export interface ImageInfo {
  type: ImageType
  width: number
  height: number
}

const startsWith = (bytes: Buffer, ascii: string, at = 0) =>
  bytes.length >= at + ascii.length && bytes.toString('latin1', at, at + ascii.length) === ascii

/** The image's type and declared size; undefined when the bytes are none of the four formats. */
export function sniffImage(bytes: Buffer): ImageInfo | undefined {
  if (startsWith(bytes, '\x89PNG\r\n\x1a\n')) {
    // The first chunk is IHDR: width and height, big-endian, right after its type.
    if (bytes.length < 24 || !startsWith(bytes, 'IHDR', 12)) return undefined
    return { type: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
  }
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) {
    if (bytes.length < 10) return undefined
    return { type: 'gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) }
  }
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return webp(bytes)
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes)
  return undefined
}

function webp(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 30) return undefined
  const chunk = bytes.toString('latin1', 12, 16)
  if (chunk === 'VP8 ') {
    // A lossy key frame: its start code, then 14-bit width and height.
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined
    return { type: 'webp', width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff }
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return undefined
    const bits = bytes.readUInt32LE(21)
    return { type: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X') {
    return { type: 'webp', width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 }
  }
  return undefined
}

// Start-of-frame markers: SOF0-3, 5-7, 9-11, 13-15 (0xC4 is DHT, 0xC8 JPG, 0xCC DAC).
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])

function jpeg(bytes: Buffer): ImageInfo | undefined {
  let at = 2
  // Walk the marker segments up to the frame header, which holds the size.
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined
    const marker = bytes[at + 1] as number
    if (marker === 0xff) {
      at += 1 // fill byte
      continue
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2
      continue
    }
    if (SOF.has(marker))
      return { type: 'jpeg', height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) }
    if (marker === 0xd9 || marker === 0xda) return undefined // end, or scan data before any frame
    at += 2 + bytes.readUInt16BE(at + 2)
  }
  return undefined
}
