// Lesson 5: a visitor lost their count with sessions in memory, and kept it with Redis.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { lostVisits, type Run } from '../../tools/lab/src/workshop/runs.ts'

const lost = (run: Run) => lostVisits(run.answers)

const checkpoint: Checkpoint = {
  expects: 'A visitor who lost the count with sessions in memory, and then one who kept it with Redis.',
  async verify({ runs }) {
    const visitors = runs.filter((r) => r.visitors === 1 && r.answers.length >= 10)
    const broken = visitors.findIndex((r) => lost(r) > 0)
    if (broken < 0)
      throw new NotYet(
        'no visitor lost a visit yet: make up SESSION_STORE=memory, then make traffic visitors=1 n=20',
      )
    const kept = visitors.slice(broken + 1).findLast((r) => lost(r) === 0)
    if (!kept)
      throw new NotYet('no visitor kept every visit since: make up, then make traffic visitors=1 n=20')
    const replicas = new Set(kept.answers.map((a) => a.replica))
    if (replicas.size < 2)
      throw new NotYet(`the last visitor's ${kept.answers.length} visits all went to one replica: try again`)
    const before = visitors[broken] as Run
    return `in memory: ${lost(before)} of ${before.answers.length} visits lost; in Redis: ${kept.answers.length} counted 1 to ${kept.answers.length} by ${[...replicas].sort().join(', ')}`
  },
}
export default checkpoint
