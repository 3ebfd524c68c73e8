// Lesson 4: app2 died in the middle of the student's traffic, and no request failed.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { describeFailures, failed } from '../../tools/lab/src/workshop/runs.ts'

const VICTIM = 'app2'

const checkpoint: Checkpoint = {
  expects: `${VICTIM} killed during a stream of requests: it stopped answering, and none failed.`,
  async verify({ runs }) {
    // Answered by the victim early on, and by it no more for the last third of the run.
    const run = runs.findLast((r) => {
      const last = r.answers.findLastIndex((a) => a.replica === VICTIM)
      return r.answers.length >= 100 && last >= 0 && last < (r.answers.length * 2) / 3
    })
    if (!run)
      throw new NotYet(
        `no run of 100 requests or more in which ${VICTIM} answered, then stopped: make traffic n=600 rate=60 & sleep 3; make kill s=${VICTIM}; wait`,
      )
    const lost = run.answers.filter(failed)
    if (lost.length)
      throw new NotYet(
        `${lost.length} of ${run.answers.length} requests failed when ${VICTIM} died: ${describeFailures(run)}`,
      )
    const last = run.answers.findLastIndex((a) => a.replica === VICTIM) + 1
    return `${VICTIM} answered ${run.answers.filter((a) => a.replica === VICTIM).length} of the first ${last} requests, then none of the last ${run.answers.length - last}; all ${run.answers.length} answered`
  },
}
export default checkpoint
