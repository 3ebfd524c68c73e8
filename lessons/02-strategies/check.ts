// Lesson 2: with app2 slowed, least_conn gave it much less than round robin did.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { perReplica, type Run } from '../../tools/lab/src/workshop/runs.ts'

const SLOW = 'app2'

/** The last run under `strategy` with the slow replica measurably slow: its share, its median. */
function slowRun(runs: Run[], strategy: string): { share: number; p50: number; run: Run } {
  const run = runs.findLast((r) => r.strategy === strategy && (perReplica(r).get(SLOW)?.p50 ?? 0) >= 250)
  if (!run)
    throw new NotYet(
      `no run under ${strategy} with ${SLOW} slowed (median 250 ms or more): make fault s=${SLOW} latency=300ms, then make traffic n=300 c=6${strategy === 'least_conn' ? '' : ` after make up LB_STRATEGY=${strategy}`}`,
    )
  const slow = perReplica(run).get(SLOW) as { share: number; p50: number }
  return { share: slow.share, p50: slow.p50, run }
}

const pct = (share: number) => `${Math.round(share * 100)}%`

const checkpoint: Checkpoint = {
  expects: `With ${SLOW} slowed, least_conn gave it less than half the share round robin gave it.`,
  async verify({ runs }) {
    const least = slowRun(runs, 'least_conn')
    const robin = slowRun(runs, 'round_robin')
    const said = `${SLOW}'s share: ${pct(least.share)} under least_conn (run took ${least.run.seconds.toFixed(1)} s), ${pct(robin.share)} under round_robin (${robin.run.seconds.toFixed(1)} s)`
    if (least.share >= robin.share / 2) throw new NotYet(`${said}: not less than half`)
    return said
  },
}
export default checkpoint
