// The anti-pattern switch STATIC_FILES=replicas (lab/anti-patterns.ts): the replica serves the
// lab's static/ folder itself. A lab instrument's test: a service copied from this one drops it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { appFor } from './helpers.ts'

const STATIC = new URL('../../../static/', import.meta.url)

describe('STATIC_FILES', () => {
  it("replicas: each file of static/ read from this replica's disk, named as its answer", async (t) => {
    const app = await appFor(t, { STATIC_FILES: 'replicas' })
    const css = await app.inject({ url: '/static/lab.css' })
    assert.equal(css.statusCode, 200)
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8')
    assert.equal(css.headers['x-replica'], 'test-replica')
    assert.equal(css.body, readFileSync(new URL('lab.css', STATIC), 'utf8'))
    const index = await app.inject({ url: '/static/' })
    assert.equal(index.body, readFileSync(new URL('index.html', STATIC), 'utf8'))
  })

  it('replicas: nothing outside static/, and a missing file is a JSON 404', async (t) => {
    const app = await appFor(t, { STATIC_FILES: 'replicas' })
    for (const url of [
      '/static/nope.css',
      '/static/..%2Fpackage.json',
      '/static/.env',
      '/static/lab.css.bak',
    ]) {
      const response = await app.inject({ url })
      assert.equal(response.statusCode, 404, url)
      assert.equal(response.json().error, 'Not Found', url)
    }
  })

  it('balancer (the default): the replica has no /static/ at all', async (t) => {
    const app = await appFor(t)
    assert.equal((await app.inject({ url: '/static/lab.css' })).statusCode, 404)
  })
})
