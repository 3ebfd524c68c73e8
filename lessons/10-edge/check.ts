// Lesson 10: a client in a hurry was turned away at the edge; a polite one was not.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { describeFailures, failed, perReplica } from '../../tools/lab/src/workshop/runs.ts'

const checkpoint: Checkpoint = {
  expects: 'A hurried client answered 429 by the balancer itself, none failing; a polite one never limited.',
  async verify({ runs, env }) {
    const limit = Number(env.get('RATE_LIMIT_RPS'))
    const limited = runs.findIndex((r) => r.answers.some((a) => a.status === 429))
    if (limited < 0)
      throw new NotYet(
        'no request answered 429 yet: make up RATE_LIMIT_EXEMPT=192.0.2.1/32, then make traffic n=200 c=8',
      )
    const hurried = runs[limited] as (typeof runs)[number]
    const turned = hurried.answers.filter((a) => a.status === 429)
    if (turned.some((a) => a.replica !== null))
      throw new NotYet('a 429 came from a replica, not from the balancer')
    if (hurried.answers.some(failed))
      throw new NotYet(
        `${hurried.answers.filter(failed).length} requests failed in that run: ${describeFailures(hurried)}`,
      )
    const polite = runs
      .slice(limited + 1)
      .findLast(
        (r) =>
          r.rate > 0 && r.rate <= limit && r.answers.length >= 50 && !r.answers.some((a) => a.status === 429),
      )
    if (!polite)
      throw new NotYet(`no run since at ${limit} a second or less with no 429: make traffic n=100 rate=15`)
    const ms = turned.map((a) => a.ms).sort((a, b) => a - b)
    const served = [...perReplica(hurried).keys()].filter((name) => name !== '(no replica)').length
    return `${turned.length} of ${hurried.answers.length} turned away with 429 by the balancer (median ${ms[Math.floor(ms.length / 2)]} ms), the rest served by ${served} replicas; at ${polite.rate} a second all ${polite.answers.length} answered`
  },
}
export default checkpoint
