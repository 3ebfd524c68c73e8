// Lesson 9: two replicas joined a stream of requests and left another, with no request failing.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { type Answer, describeFailures, failed, type Run } from '../../tools/lab/src/workshop/runs.ts'

const ADDED = ['app4', 'app5']

const answeredBy = (answers: Answer[], replica: string) => answers.some((a) => a.replica === replica)
const tenth = (run: Run) => Math.ceil(run.answers.length / 10)
/** Answering none of the first tenth of the run, and some of the rest. */
const joined = (run: Run) =>
  ADDED.every((r) => !answeredBy(run.answers.slice(0, tenth(run)), r) && answeredBy(run.answers, r))
/** Answering some of the run, and none of its last tenth. */
const left = (run: Run) =>
  ADDED.every((r) => answeredBy(run.answers, r) && !answeredBy(run.answers.slice(-tenth(run)), r))

const checkpoint: Checkpoint = {
  // Compose scales the service; the balancer follows its containers' addresses.
  alsoIn: ['docker'],
  expects: `${ADDED.join(' and ')} joined a stream of requests and left another, and no request failed.`,
  async verify({ runs }) {
    const streams = runs.filter((r) => r.answers.length >= 300)
    const out = streams.findLast(joined)
    if (!out)
      throw new NotYet(
        `no stream during which ${ADDED.join(' and ')} joined: make traffic n=1500 rate=100 & sleep 2; make scale n=5; wait`,
      )
    const back = streams.findLast(left)
    if (!back)
      throw new NotYet(
        `no stream during which ${ADDED.join(' and ')} left: make traffic n=1500 rate=100 & sleep 2; make scale n=3; wait`,
      )
    for (const [what, run] of [
      ['out', out],
      ['in', back],
    ] as const) {
      const lost = run.answers.filter(failed).length
      if (lost)
        throw new NotYet(
          `scaling ${what}: ${lost} of ${run.answers.length} requests failed: ${describeFailures(run)}`,
        )
    }
    // A request sent again after a reload reset its kept-alive connection is answered, and said so.
    const share = (run: Run) => {
      const resent = run.answers.filter((a) => a.resentAfter).length
      const shares = ADDED.map((r) => `${r} ${run.answers.filter((a) => a.replica === r).length}`).join(', ')
      return resent ? `${shares}; ${resent} sent again on a new connection` : shares
    }
    return `scaling out: all ${out.answers.length} answered (${share(out)}); scaling in: all ${back.answers.length} answered (${share(back)})`
  },
}
export default checkpoint
