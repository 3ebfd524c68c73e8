// Lesson 1: the student's own traffic reached every replica, and nothing failed.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { perReplica } from '../../tools/lab/src/workshop/runs.ts'

const checkpoint: Checkpoint = {
  expects: 'At least 100 requests to the app, every one answered 200, by every app replica.',
  async verify({ runs, replicas }) {
    const run = runs.findLast((r) => !r.path.startsWith('/py/') && r.answers.length >= 100)
    if (!run) throw new NotYet('no run of 100 requests or more to the app yet: make traffic n=300 c=4')
    const other = run.answers.filter((a) => a.status !== 200)
    if (other.length) throw new NotYet(`${other.length} of ${run.answers.length} were not answered 200`)
    const shares = perReplica(run)
    const missing = replicas('app').filter((name) => !shares.has(name))
    if (missing.length) throw new NotYet(`${missing.join(', ')} answered none of ${run.answers.length}`)
    const said = [...shares].map(([name, r]) => `${name} ${Math.round(r.share * 100)}%`).join(', ')
    return `${run.answers.length} requests, all 200: ${said}`
  },
}
export default checkpoint
