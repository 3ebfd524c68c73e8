// Lesson 3: pinned by address, one replica took everything; pinned by cookie, visitors spread.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { perReplica, type Run } from '../../tools/lab/src/workshop/runs.ts'

/** Per visitor, the replicas that answered it after its first request (the one without a cookie). */
function pinned(run: Run): Map<number, Set<string | null>> {
  const seen = new Map<number, Set<string | null>>()
  const first = new Set<number>()
  for (const { visitor, replica } of run.answers) {
    if (visitor === undefined) continue
    if (!first.has(visitor)) {
      first.add(visitor)
      continue
    }
    seen.set(visitor, (seen.get(visitor) ?? new Set()).add(replica))
  }
  return seen
}

const checkpoint: Checkpoint = {
  expects:
    'Under ip_hash one replica took every request; under hash_cookie each visitor kept to one, spread over several.',
  async verify({ runs }) {
    const byAddress = runs.findLast((r) => r.strategy === 'ip_hash' && r.answers.length >= 100)
    if (!byAddress)
      throw new NotYet(
        'no run of 100 requests under ip_hash: make up LB_STRATEGY=ip_hash, then make traffic n=300 c=6',
      )
    const shares = perReplica(byAddress)
    if (shares.size !== 1)
      throw new NotYet(
        `under ip_hash ${shares.size} replicas answered (${[...shares.keys()].join(', ')}): were the requests from several addresses?`,
      )
    const byCookie = runs.findLast((r) => r.strategy === 'hash_cookie' && r.visitors >= 10)
    if (!byCookie)
      throw new NotYet(
        'no run of ten visitors or more under hash_cookie: make up LB_STRATEGY=hash_cookie, then make traffic visitors=20 n=200',
      )
    const visitors = pinned(byCookie)
    const wandered = [...visitors].filter(([, replicas]) => replicas.size > 1)
    if (wandered.length)
      throw new NotYet(
        `under hash_cookie ${wandered.length} visitors were served by several replicas after their first request`,
      )
    const used = new Set([...visitors.values()].flatMap((replicas) => [...replicas]))
    if (used.size < 2)
      throw new NotYet(
        `under hash_cookie all ${visitors.size} visitors went to ${[...used].join('')}: try more visitors`,
      )
    const perUsed = [...used]
      .sort()
      .map((replica) => `${replica} ${[...visitors.values()].filter((r) => r.has(replica)).length}`)
    return `ip_hash: ${[...shares.keys()][0]} answered all ${byAddress.answers.length}; hash_cookie: ${visitors.size} visitors each on one replica (${perUsed.join(', ')})`
  },
}
export default checkpoint
