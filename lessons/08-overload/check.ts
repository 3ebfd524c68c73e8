// Lesson 8: without shedding the overload cascaded into the balancer's 502s and 504s; with it,
// the excess was turned away fast and the rest served.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import type { Answer, Run } from '../../tools/lab/src/workshop/runs.ts'

const gaveUp = (a: Answer) => a.status === 502 || a.status === 504 || a.status === 0
const p95 = (answers: Answer[]) => {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b)
  return ms[Math.min(ms.length - 1, Math.floor(0.95 * ms.length))] ?? 0
}
const overload = (r: Run) => r.path.startsWith('/api/work') && r.rate >= 150 && r.answers.length >= 1000
const count = (answers: Answer[], keep: (a: Answer) => boolean) => answers.filter(keep).length

const checkpoint: Checkpoint = {
  expects:
    'Without shedding, the balancer gave up on the overload; with it, the excess was shed fast and the rest served.',
  async verify({ runs }) {
    const overloads = runs.filter(overload)
    const cascade = overloads.findIndex((r) => count(r.answers, gaveUp) >= r.answers.length / 10)
    if (cascade < 0)
      throw new NotYet(
        "no overload the balancer gave up on yet: make up LOAD_SHEDDING=off, then make traffic 'path=/api/work?ms=200' rate=240 n=2400",
      )
    const before = overloads[cascade] as Run
    const shed = overloads
      .slice(cascade + 1)
      .findLast(
        (r) =>
          r.rate >= before.rate &&
          count(r.answers, (a) => a.status === 503) > 0 &&
          count(r.answers, gaveUp) === 0,
      )
    if (!shed)
      throw new NotYet(
        'no overload since that shed with 503 and lost nothing else: make up, a calm client, then the same overload',
      )
    const ok = (r: Run) => count(r.answers, (a) => a.status === 200)
    return `without shedding: ${count(before.answers, gaveUp)} of ${before.answers.length} given up on by the balancer, ${ok(before)} served, p95 ${p95(before.answers)} ms; with it: ${count(shed.answers, (a) => a.status === 503)} shed with 503, ${ok(shed)} served, p95 ${p95(shed.answers)} ms`
  },
}
export default checkpoint
