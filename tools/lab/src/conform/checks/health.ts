// Health and readiness: liveness (/health) answers without asking any dependency, so an outage
// never makes an orchestrator restart healthy replicas; readiness (/ready) turns 503 while a
// dependency the replica needs is gone, so the balancer stops sending it work, and back after.
// The dependency broken is Redis (the sessions), frozen with the lab's `pause`.
import { type Check, fail, pass, type Target, warn } from '../check.ts'
import { describe, request, until } from '../http.ts'

const LIVENESS_FIX =
  'answer /health from the process alone (no Redis, no database): an orchestrator restarts a replica whose liveness fails'
const READINESS_FIX =
  'have /ready check, within a short budget, each dependency the replica cannot serve without (here Redis), and answer 503 while one is down'

export const health: Check = {
  id: 'health',
  requirement: '/health answers without its dependencies; /ready is 503 while one is down, and 200 after',
  async run(target: Target) {
    const urls = await Promise.all(target.replicas.map((r) => target.mode.replicaUrl(r)))
    const probe = (path: string) =>
      Promise.all(urls.map((url) => request(`${url}${path}`, { timeoutMs: 3000 })))
    for (const [i, answer] of (await probe('/health')).entries())
      if (answer.status !== 200)
        return fail(`${target.replicas[i]} /health: ${describe(answer)}`, LIVENESS_FIX)
    for (const [i, answer] of (await probe('/ready')).entries())
      if (answer.status !== 200)
        return fail(
          `${target.replicas[i]} /ready: ${describe(answer)} before anything was broken`,
          READINESS_FIX,
        )

    try {
      await target.mode.act('pause', 'redis')
    } catch (err) {
      return warn(
        `/health and /ready 200 on ${target.replicas.join(', ')}; Redis could not be paused here (${(err as Error).message.split('\n')[0]})`,
        'run `make conform` in native or Docker mode to see readiness follow a dependency',
      )
    }
    const paused = Date.now()
    let notReady: number | undefined
    let liveness: string | undefined
    try {
      notReady = await until(15_000, async () => {
        const [ready, live] = await Promise.all([probe('/ready'), probe('/health')])
        const bad = live.findIndex((answer) => answer.status !== 200)
        const answer = live[bad]
        if (answer) liveness = `${target.replicas[bad]} /health: ${describe(answer)}`
        return ready.every((answer) => answer.status === 503) ? Date.now() - paused : undefined
      })
    } finally {
      await target.mode.act('unpause', 'redis')
    }
    const resumed = Date.now()
    const ready = await until(30_000, async () =>
      (await probe('/ready')).every((answer) => answer.status === 200) ? Date.now() - resumed : undefined,
    )
    if (liveness) return fail(`with Redis paused, ${liveness}`, LIVENESS_FIX)
    if (notReady === undefined)
      return fail(
        `Redis paused for 15 s: /ready never answered 503 on every replica (${(await probe('/ready')).map((a, i) => `${target.replicas[i]} ${a.status}`).join(', ')})`,
        READINESS_FIX,
      )
    if (ready === undefined)
      return fail(
        'Redis back: /ready still not 200 on every replica 30 s later',
        'let readiness recover by itself',
      )
    return pass(
      `/health and /ready 200 on ${target.replicas.join(', ')}; Redis paused: /ready 503 on all within ${(notReady / 1000).toFixed(1)} s, /health still 200; Redis back: ready within ${(ready / 1000).toFixed(1)} s`,
    )
  },
}
