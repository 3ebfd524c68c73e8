import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { BASE, pgLogin, replicaUrl, TARGETS } from '../lib/stack.ts'

// The stack as .env.example sets it up, checked before the first test (lib/baseline.ts).
startsFromBaseline()

interface Case {
  name: string
  body?: string
  base64?: string
  repeat?: { unit: string; count: number }
  nest?: number
  contentType?: string
  status?: number
  message?: string
}
/** The contract's table: one source for both replicas and nginx (contract/README.md). */
const table = JSON.parse(readFileSync(join(repoRoot, 'contract/hostile-inputs.json'), 'utf8')) as {
  cases: Case[]
  accepted: Case[]
  methods: { nginx: { method: string; status: number; message: string }[]; replica: string[] }
}

const bytesOf = (c: Case): Buffer => {
  if (c.base64 !== undefined) return Buffer.from(c.base64, 'base64')
  if (c.repeat) return Buffer.from(JSON.stringify({ text: c.repeat.unit.repeat(c.repeat.count) }))
  if (c.nest) return Buffer.from(`${'['.repeat(c.nest)}${']'.repeat(c.nest)}`)
  return Buffer.from(c.body ?? '', 'utf8')
}

const post = async (url: string, c: Case) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': c.contentType ?? 'application/json' },
    body: bytesOf(c),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, body: await response.json().catch(() => 'not JSON') }
}

const primary = new pg.Pool({ ...pgLogin('pg-primary'), max: 1 })
after(() => primary.end())
const notesStored = async () => Number((await primary.query('SELECT count(*) AS n FROM notes')).rows[0].n)

/** Where a note can be posted: each replica type through nginx, and one replica of each directly. */
const endpoints = TARGETS.flatMap(({ name, base, replicas }) => [
  { where: `${name} through nginx`, url: `${BASE}${base}/api/notes` },
  { where: `${name} directly (${replicas[0]})`, url: `${replicaUrl(replicas[0] as string)}/api/notes` },
])

describe('hostile input: one table, the same clear 4xx from both replicas and through nginx, nothing stored', () => {
  for (const c of table.cases) {
    it(`${c.name}: ${c.status}`, async () => {
      const before = await notesStored()
      for (const { where, url } of endpoints) {
        const answer = await post(url, c)
        assert.deepEqual(
          answer,
          { status: c.status, body: { error: STATUS_CODES[c.status as number], message: c.message } },
          where,
        )
      }
      assert.equal(await notesStored(), before, 'nothing stored')
    })
  }

  for (const c of table.accepted) {
    it(`accepted: ${c.name}`, async () => {
      for (const { where, url } of endpoints) assert.equal((await post(url, c)).status, 201, where)
    })
  }

  it('nginx answers methods the API does not use itself, as JSON, before any replica sees them', async () => {
    for (const { base } of TARGETS) {
      for (const { method, status, message } of table.methods.nginx) {
        const response = await fetch(`${BASE}${base}/api/notes`, {
          method,
          signal: AbortSignal.timeout(10_000),
        })
        assert.equal(response.status, status, `${method} ${base}/api/notes`)
        assert.equal(response.headers.get('x-replica'), null, `${method}: no replica answered`)
        assert.deepEqual(await response.json(), { error: STATUS_CODES[status], message }, method)
      }
    }
  })

  it('a replica answers a method it has no route for as an unknown route, the same in both', async () => {
    for (const { replicas } of TARGETS) {
      const url = `${replicaUrl(replicas[0] as string)}/api/notes`
      for (const method of table.methods.replica) {
        const response = await fetch(url, { method, signal: AbortSignal.timeout(10_000) })
        assert.equal(response.status, 404, `${method} ${url}`)
        assert.deepEqual(await response.json(), {
          error: 'Not Found',
          message: `no route ${method} /api/notes`,
        })
      }
    }
  })
})
