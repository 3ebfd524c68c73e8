// Lesson 7: a rollout without a drain lost writes; with the drain, the same rollout lost none.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'
import { failed, type Run } from '../../tools/lab/src/workshop/runs.ts'

const checkpoint: Checkpoint = {
  // Each replica's container stopped by Docker (its SIGTERM through init) and started by Compose.
  alsoIn: ['docker'],
  expects:
    'Every app replica restarted under a stream of POSTs twice: without a drain writes failed, with it none did.',
  async verify({ runs, replicas, starts }) {
    const restarts = await starts('app')
    const names = replicas('app')
    // Every replica started again while the run was going (process_start_time is whole seconds).
    const rolledOut = (run: Run) =>
      names.every((name) =>
        (restarts.get(name) ?? []).some((t) => t >= run.at - 1000 && t <= run.at + run.seconds * 1000),
      )
    const streams = runs.filter((r) => r.method === 'POST' && r.answers.length >= 500 && rolledOut(r))
    const cut = streams.findIndex((r) => r.answers.some(failed))
    if (cut < 0)
      throw new NotYet(
        `no stream of POSTs yet during which all of ${names.join(', ')} restarted and writes failed: the first steps, with SHUTDOWN_DRAIN=off`,
      )
    const clean = streams.slice(cut + 1).findLast((r) => !r.answers.some(failed))
    if (!clean)
      throw new NotYet(
        'no stream since in which every replica restarted and no write failed: make up, then the same again',
      )
    const before = streams[cut] as Run
    return `without a drain ${before.answers.filter(failed).length} of ${before.answers.length} POSTs failed; with it 0 of ${clean.answers.length}, each time while ${names.join(', ')} restarted`
  },
}
export default checkpoint
