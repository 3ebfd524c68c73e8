// `make traffic`'s options, read without a stack: what a student may type, its defaults, and a
// clear refusal (the usage line) for anything outside the bounds a lesson's traffic keeps.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseTraffic } from '../../tools/lab/src/workshop/traffic.ts'

describe('make traffic options', () => {
  it('defaults to 200 GETs of /api/whoami, four at a time', () => {
    assert.deepEqual(parseTraffic([]), {
      path: '/api/whoami',
      method: 'GET',
      n: 200,
      c: 4,
      rate: 0,
      visitors: 0,
      notes: false,
    })
  })

  it('visitors POST /api/visits and notes POST /api/notes unless told otherwise; a path keeps its query', () => {
    assert.equal(parseTraffic(['visitors=5']).path, '/api/visits')
    assert.equal(parseTraffic(['visitors=5']).method, 'POST')
    assert.equal(parseTraffic(['notes=1']).path, '/api/notes')
    assert.equal(parseTraffic(['path=/api/work?ms=200']).path, '/api/work?ms=200')
  })

  it('refuses, with the usage, what no lesson should send', () => {
    for (const args of [
      ['n=0'],
      ['n=5001'],
      ['c=33'],
      ['rate=501'],
      ['visitors=33'],
      ['n=1.5'],
      ['path=api/whoami'],
      ['path=/api/<script>'],
      ['method=DELETE'],
      ['notes=1', 'method=GET'],
      ['notes=1', 'visitors=2'],
      ['size=3'],
      ['n'],
    ])
      assert.throws(() => parseTraffic(args), /^Error: traffic: path=\/api\/whoami n=200/, args.join(' '))
  })
})
