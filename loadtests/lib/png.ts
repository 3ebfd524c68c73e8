/// <reference types="k6" />
// A fresh PNG in k6 (which has no zlib): random RGB pixels, stored uncompressed in one deflate
// block, with the checksums the format requires. A new image, so a new key, every call.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: number[]): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const ascii = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0))

function chunk(type: string, data: number[]): number[] {
  const body = [...ascii(type), ...data]
  return [...u32(data.length), ...body, ...u32(crc32(body))]
}

/** A width x height RGB PNG (width * 3 + 1 bytes a row, at most 65535 bytes of pixels in all). */
export function randomPng(width = 24, height = 24): ArrayBuffer {
  const raw: number[] = []
  for (let y = 0; y < height; y++) {
    raw.push(0) // no filter
    for (let x = 0; x < width * 3; x++) raw.push(Math.floor(Math.random() * 256))
  }
  let a = 1
  let b = 0
  for (const byte of raw) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  const len = raw.length
  const zlib = [
    0x78,
    0x01,
    0x01,
    len & 0xff,
    len >>> 8,
    ~len & 0xff,
    (~len >>> 8) & 0xff,
    ...raw,
    ...u32(((b << 16) | a) >>> 0),
  ]
  const png = [
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk('IHDR', [...u32(width), ...u32(height), 8, 2, 0, 0, 0]),
    ...chunk('IDAT', zlib),
    ...chunk('IEND', []),
  ]
  return new Uint8Array(png).buffer
}
