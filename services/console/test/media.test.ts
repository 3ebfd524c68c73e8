import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDatagram } from '../src/access-log.ts'
import { Media } from '../src/media.ts'

const TAG = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
const KEY = `${'ab'.repeat(32)}.png`
/** A /media/ line as nginx logs it: from its cache (no upstream), or from the store (a miss). */
const media = (cache: string, upstream = '') =>
  `<190>Nov 25 08:00:00 ${TAG}: {"uri":"/media/${KEY}","status":200,"upstream":"${upstream}","upstream_status":"${upstream ? '200' : ''}","upstream_time":"","cache":"${cache}"}`

test('a media line served from nginx’s cache counts, though no upstream took part', () => {
  const entry = parseDatagram(media('HIT'), TAG, 1000)
  assert.deepEqual(entry, { at: 1000, uri: `/media/${KEY}`, status: 200, attempts: [], cache: 'HIT' })
})

test('the hit ratio is the share of the last minute’s /media/ answered from the cache, stale ones too', () => {
  const stats = new Media()
  const now = 100_000
  const add = (cache: string, at: number, upstream = '') =>
    stats.add(parseDatagram(media(cache, upstream), TAG, at) ?? assert.fail('not an entry'))
  add('MISS', now - 90_000, '127.0.0.1:18333') // over a minute ago: not in the ratio
  add('MISS', now - 1000, '127.0.0.1:18333')
  add('HIT', now - 900)
  add('HIT', now - 800)
  add('STALE', now - 700, '127.0.0.1:18333')
  assert.deepEqual(stats.summary(now), { store: 'unknown', requests: 4, hitRatio: 0.75 })
  assert.match(stats.exposition(), /^nginx_media_cache_responses_total\{cache="MISS"\} 2$/m)
  assert.match(stats.exposition(), /^nginx_media_cache_responses_total\{cache="HIT"\} 2$/m)
})
