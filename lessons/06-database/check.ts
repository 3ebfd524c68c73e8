// Lesson 6: without read-your-writes a writer missed notes it had just written; with it, none.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import type { Run } from '../../tools/lab/src/workshop/runs.ts'

const written = (run: Run) => run.answers.filter((a) => a.readBack !== undefined)
const missed = (run: Run) => written(run).filter((a) => a.readBack !== 200)

const checkpoint: Checkpoint = {
  expects:
    'Without read-your-writes some notes were not found just after being written; with it, every one was.',
  async verify({ runs }) {
    const writers = runs.filter((r) => r.notes && written(r).length >= 100)
    const stale = writers.findIndex((r) => missed(r).length > 0)
    if (stale < 0)
      throw new NotYet(
        'no note missed on reading it back yet: make up READ_YOUR_WRITES=off, then make traffic notes=1 n=2000 c=8',
      )
    const fresh = writers.slice(stale + 1).findLast((r) => missed(r).length === 0)
    if (!fresh)
      throw new NotYet(
        'no run since in which every note was found: make up, then make traffic notes=1 n=2000 c=8',
      )
    const before = writers[stale] as Run
    return `without read-your-writes ${missed(before).length} of ${written(before).length} notes not found at once; with it 0 of ${written(fresh).length}`
  },
}
export default checkpoint
