// Lesson 12: a team's own set passed make conform, and served visitors through the balancer.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { lostVisits } from '../../tools/lab/src/workshop/runs.ts'

const LABS = ['app', 'py']

const checkpoint: Checkpoint = {
  expects: 'make conform passed a set of your own, and its replicas served visitors through the balancer.',
  async verify({ conforms, runs }) {
    const own = conforms.filter((c) => !LABS.includes(c.set))
    if (own.length === 0)
      throw new NotYet('no make conform of a set of your own yet: make conform SETS=go s=go')
    const passed = own.findLast((c) => c.passed)
    if (!passed) {
      const failing = (own.at(-1)?.lines ?? []).filter((l) => l.verdict === 'fail').map((l) => l.id)
      throw new NotYet(`make conform s=${own.at(-1)?.set} failed: ${failing.join(', ')}`)
    }
    const prefix = `/${passed.set}/`
    const visited = runs.findLast((r) => r.path.startsWith(prefix) && r.visitors > 0)
    if (!visited)
      throw new NotYet(
        `no visitors through ${prefix} yet: make traffic SETS=${passed.set} path=${prefix}api/visits visitors=5 n=50`,
      )
    const lost = [...Array(visited.visitors).keys()].filter(
      (v) => lostVisits(visited.answers.filter((a) => a.visitor === v)) > 0,
    )
    if (lost.length)
      throw new NotYet(`${lost.length} of ${visited.visitors} visitors lost their count through ${prefix}`)
    const replicas = new Set(visited.answers.map((a) => a.replica))
    if (replicas.size < 2) throw new NotYet(`every visit through ${prefix} went to ${[...replicas].join('')}`)
    const lines = passed.lines.map((l) => `${l.id} ${l.verdict}`).join(', ')
    return `make conform s=${passed.set}: ${lines}; ${visited.visitors} visitors, every visit counted, by ${[...replicas].sort().join(', ')}`
  },
}
export default checkpoint
