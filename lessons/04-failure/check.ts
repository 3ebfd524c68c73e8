// Lesson 4: app2 died in the middle of the student's traffic and no request failed; then, frozen,
// it held requests under the tutorial's timeouts, and none under the lab's.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { describeFailures, failed, type Run } from '../../tools/lab/src/workshop/runs.ts'

const VICTIM = 'app2'
/** Held this long, a request waited on the frozen replica (make traffic gives up at 30 s). */
const HELD_MS = 20_000

/** A run of 100 requests or more in which the victim answered early on, and none of the last third. */
const victimStopped = (r: Run) => {
  const last = r.answers.findLastIndex((a) => a.replica === VICTIM)
  return r.answers.length >= 100 && last >= 0 && last < (r.answers.length * 2) / 3
}
const held = (r: Run) => r.answers.filter((a) => a.ms >= HELD_MS)
const slowest = (r: Run) => Math.max(...r.answers.map((a) => a.ms))

const checkpoint: Checkpoint = {
  // A container killed, paused and started; the balancer's settings re-rendered by Compose.
  alsoIn: ['docker'],
  expects: `${VICTIM} killed during a stream of requests, none failing; frozen, requests held under the tutorial's timeouts and none under the lab's.`,
  async verify({ runs }) {
    const frozen = runs.findIndex((r) => held(r).length > 0)
    const before = frozen < 0 ? runs : runs.slice(0, frozen)
    const killed = before.findLast(victimStopped)
    if (!killed)
      throw new NotYet(
        `no run of 100 requests or more in which ${VICTIM} answered, then stopped: make traffic n=600 rate=60 & sleep 3; make kill s=${VICTIM}; wait`,
      )
    if (killed.answers.some(failed))
      throw new NotYet(
        `${killed.answers.filter(failed).length} of ${killed.answers.length} requests failed when ${VICTIM} died: ${describeFailures(killed)}`,
      )
    const tutorial = runs[frozen]
    if (!tutorial)
      throw new NotYet(
        `no request held ${HELD_MS / 1000} s or more yet: make up with the tutorial's settings (the page's line), then make traffic n=100 rate=10 & sleep 3; make pause s=${VICTIM}; wait`,
      )
    const lab = runs.slice(frozen + 1).findLast(victimStopped)
    if (!lab)
      throw new NotYet(
        `no run since the tutorial's settings in which ${VICTIM} stopped answering: make up, then make traffic n=100 rate=10 & sleep 3; make pause s=${VICTIM}; wait`,
      )
    if (lab.answers.some(failed))
      throw new NotYet(
        `${lab.answers.filter(failed).length} of ${lab.answers.length} requests failed with ${VICTIM} frozen: ${describeFailures(lab)}`,
      )
    return [
      `killed: all ${killed.answers.length} answered`,
      `frozen under the tutorial's settings: ${held(tutorial).length} of ${tutorial.answers.length} held ${Math.round(slowest(tutorial) / 1000)} s, ${tutorial.answers.filter(failed).length} never answered`,
      `under the lab's: all ${lab.answers.length} answered, the slowest in ${slowest(lab)} ms`,
    ].join('; ')
  },
}
export default checkpoint
