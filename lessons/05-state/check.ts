// Lesson 5: with state in the replica a visitor lost the count and an upload went missing, and
// static files cost the replicas a request each; with Redis, the object store and the balancer's
// disk, none of it.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { lostVisits, type Run } from '../../tools/lab/src/workshop/runs.ts'

const lost = (run: Run) => lostVisits(run.answers)
const count = (run: Run, status: number) => run.answers.filter((a) => a.status === status).length

function sessions(runs: Run[]): string {
  const visitors = runs.filter((r) => r.visitors === 1 && r.answers.length >= 10)
  const broken = visitors.findIndex((r) => lost(r) > 0)
  if (broken < 0)
    throw new NotYet(
      'no visitor lost a visit yet: make up SESSION_STORE=memory, then make traffic visitors=1 n=20',
    )
  const kept = visitors.slice(broken + 1).findLast((r) => lost(r) === 0)
  if (!kept) throw new NotYet('no visitor kept every visit since: make up, then make traffic visitors=1 n=20')
  const replicas = new Set(kept.answers.map((a) => a.replica))
  if (replicas.size < 2)
    throw new NotYet(`the last visitor's ${kept.answers.length} visits all went to one replica: try again`)
  const before = visitors[broken] as Run
  return `sessions in memory: ${lost(before)} of ${before.answers.length} visits lost; in Redis: ${kept.answers.length} counted 1 to ${kept.answers.length} by ${[...replicas].sort().join(', ')}`
}

function files(runs: Run[]): string {
  const fetches = runs.filter((r) => r.answers.length >= 10)
  // On one replica's disk: it serves the file, the others answer 404.
  const onDisk = fetches.findIndex(
    (r) => r.path.startsWith('/api/media/') && count(r, 200) > 0 && count(r, 404) > 0,
  )
  if (onDisk < 0)
    throw new NotYet(
      'no upload served by one replica and missing on another yet: make up MEDIA_STORE=disk, upload, then make traffic path=$url n=30',
    )
  const shared = fetches
    .slice(onDisk + 1)
    .findLast((r) => r.path.startsWith('/media/') && count(r, 200) === r.answers.length)
  if (!shared)
    throw new NotYet(
      'no upload served at /media/ every time since: make up, upload again, then make traffic path=$url n=30',
    )
  const before = fetches[onDisk] as Run
  return `uploads on disk: ${count(before, 404)} of ${before.answers.length} fetches 404; in the object store: ${shared.answers.length} of ${shared.answers.length} served`
}

const median = (run: Run) => {
  const ms = run.answers.map((a) => a.ms).sort((a, b) => a - b)
  return ms[Math.floor(ms.length / 2)] ?? 0
}

function staticFiles(runs: Run[]): string {
  // Every answer a 200: a run cut short by a restart says nothing about either way.
  const fetches = runs.filter(
    (r) => r.path.startsWith('/static/') && r.answers.length >= 100 && count(r, 200) === r.answers.length,
  )
  const byReplicas = fetches.findIndex((r) => r.answers.every((a) => a.replica !== null))
  if (byReplicas < 0)
    throw new NotYet(
      'no static file answered by the replicas yet: make up STATIC_FILES=replicas, then make traffic path=/static/lab.css n=2000 c=8 https=1',
    )
  const byBalancer = fetches.slice(byReplicas + 1).findLast((r) => r.answers.every((a) => a.replica === null))
  if (!byBalancer)
    throw new NotYet(
      'no static file answered by the balancer alone since: make up, then make traffic path=/static/lab.css n=2000 c=8 https=1',
    )
  const before = fetches[byReplicas] as Run
  const replicas = new Set(before.answers.map((a) => a.replica))
  const took = (run: Run) => `in ${run.seconds.toFixed(1)} s, median ${median(run)} ms`
  return `static files from the replicas: ${before.answers.length} requests to ${[...replicas].sort().join(', ')} ${took(before)}; from the balancer: ${byBalancer.answers.length} to none ${took(byBalancer)}`
}

const checkpoint: Checkpoint = {
  expects:
    'With state in the replicas a visitor lost the count, an upload went missing and static files cost the replicas a request each; with Redis, the object store and the balancer serving /static/, none of it.',
  async verify({ runs }) {
    return `${sessions(runs)}; ${files(runs)}; ${staticFiles(runs)}`
  },
}
export default checkpoint
