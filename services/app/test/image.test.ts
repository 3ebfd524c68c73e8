import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bombPng, randomPng, TINY } from '../../../test/lib/media.ts'
import { sniffImage } from '../src/media/image.ts'

describe('an upload is what its bytes say (media/image.ts)', () => {
  it('knows each of the four formats and the size its header declares', () => {
    assert.deepEqual(sniffImage(randomPng(7, 5)), { type: 'png', width: 7, height: 5 })
    assert.deepEqual(sniffImage(TINY.gif), { type: 'gif', width: 1, height: 1 })
    assert.deepEqual(sniffImage(TINY.webp), { type: 'webp', width: 1, height: 1 })
    assert.deepEqual(sniffImage(TINY.jpeg), { type: 'jpeg', width: 1, height: 1 })
  })

  it('reads a bomb’s declared canvas without decoding it', () => {
    assert.deepEqual(sniffImage(bombPng(100_000, 90_000)), { type: 'png', width: 100_000, height: 90_000 })
  })

  it('is none of them for text, SVG, a truncated header, or a JPEG with no frame', () => {
    for (const bytes of [
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      Buffer.from('<!doctype html>'),
      randomPng().subarray(0, 20),
      TINY.gif.subarray(0, 8),
      Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0]),
      Buffer.alloc(0),
    ]) {
      assert.equal(sniffImage(bytes), undefined, bytes.toString('latin1').slice(0, 20))
    }
  })
})
