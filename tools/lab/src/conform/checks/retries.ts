// Safe retries: a balancer retries a request on another replica when the first one fails
// mid-way, and a client retries one whose answer it lost. For a write that is only safe when the
// write is idempotent: the same Idempotency-Key twice must be one write. The story: one keyed
// POST sent twice through the balancer (so most likely to two replicas), then a read.
import { randomUUID } from 'node:crypto'
import { type Check, fail, notOffered, pass, type Target } from '../check.ts'
import { describe, Jar, request } from '../http.ts'

const FIX =
  "store each Idempotency-Key with the write it made, in the same transaction, and answer a repeat with that write; until then the balancer must not retry this service's POSTs"

export const retries: Check = {
  id: 'retries',
  requirement: 'a repeated keyed POST writes once, so the balancer may retry it',
  async run(target: Target) {
    const key = randomUUID()
    // One client, with its cookies: a read after a write may ask for the write it just made.
    const jar = new Jar()
    const send = () =>
      request(target.api('/api/notes'), {
        method: 'POST',
        jar,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ text: `conform: retried ${key}` }),
      })
    const first = await send()
    const again = await send()
    const absent = notOffered(first.status, 'POST /api/notes', 'what a retried write does')
    if (absent) return absent
    if (first.status !== 201) return fail(`the first keyed POST: ${describe(first)}`, FIX)
    if (again.status >= 300) return fail(`the same keyed POST again: ${describe(again)}`, FIX)
    if (first.json?.id !== again.json?.id)
      return fail(
        `the same Idempotency-Key twice wrote two notes (#${first.json?.id} by ${first.replica}, #${again.json?.id} by ${again.replica})`,
        FIX,
      )
    const read = await request(target.api(`/api/notes/${first.json?.id}`), { jar })
    if (read.status !== 200) return fail(`the note written, read back: ${describe(read)}`, FIX)
    return pass(
      `the same Idempotency-Key twice (by ${first.replica}, then ${again.replica}): one note, #${first.json?.id}, answered ${first.status} then ${again.status}`,
    )
  },
}
