// Files: an upload is stored where every replica (or the balancer) reads it, never on the disk of
// the replica that took it. The story: one image uploaded through the balancer, then fetched at
// the URL answered, through the balancer, until every replica has had the chance to serve it.
import { randomPng } from '../../../../../loadtests/lib/png.ts'
import { type Check, fail, notOffered, pass, type Target } from '../check.ts'
import { describe, request } from '../http.ts'

const FIX =
  "put uploads in a store every replica shares (the object store, S3's API), never on the replica's own disk"

export const files: Check = {
  id: 'files',
  requirement: 'an upload is readable whichever replica serves the next request',
  async run(target: Target) {
    const form = new FormData()
    form.append('file', new Blob([randomPng()], { type: 'image/png' }), 'conform.png')
    const upload = await request(target.api('/api/media'), { method: 'POST', body: form })
    const absent = notOffered(upload.status, 'POST /api/media', 'where uploads go')
    if (absent) return absent
    if (upload.status !== 201) return fail(`the upload: ${describe(upload)}`, FIX)
    const path = String(upload.json?.url)
    const url = new URL(path, target.origin).href
    const misses: string[] = []
    const servedBy = new Set<string>()
    for (let n = 0; n < target.replicas.length * 3; n++) {
      const answer = await request(url)
      const by = answer.replica ?? 'the balancer'
      servedBy.add(by)
      if (answer.status !== 200) misses.push(`${by} ${describe(answer)}`)
    }
    if (misses.length > 0)
      return fail(
        `uploaded through ${upload.replica}; GET ${path} answered ${[...new Set(misses)].join(', ')}`,
        FIX,
      )
    return pass(
      `uploaded through ${upload.replica}; GET ${path} 200 ${target.replicas.length * 3} times, served by ${[...servedBy].sort().join(', ')}`,
    )
  },
}
