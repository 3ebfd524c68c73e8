// Stateless: one user's state follows them from replica to replica, and outlives the replica that
// made it. The story: count visits in one session through the balancer until several replicas
// have answered; kill the replica that made the session, start it again; read the count.
import { type Check, fail, notOffered, pass, type Target, warn } from '../check.ts'
import { type Answer, describe, Jar, request, until } from '../http.ts'

const SESSION_FIX =
  "keep sessions in a store every replica shares (Redis: connect-redis, Flask-Session), never in the process's memory"

const visits = (answer: Answer) => Number(answer.json?.visits)

export const stateless: Check = {
  id: 'stateless',
  requirement: 'a session made on one replica is read on another, and outlives the replica that made it',
  async run(target: Target) {
    const jar = new Jar()
    const served: string[] = []
    const count = Math.max(6, target.replicas.length * 3)
    for (let n = 1; n <= count; n++) {
      const answer = await request(target.api('/api/visits'), { method: 'POST', jar })
      const by = answer.replica ?? 'the balancer'
      const absent =
        n === 1 ? notOffered(answer.status, 'POST /api/visits', 'where sessions live') : undefined
      if (absent) return absent
      if (answer.status !== 200)
        return fail(
          `visit ${n}: ${by} answered ${describe(answer)} to a session ${served[0]} made (visits so far by ${[...new Set(served)].join(', ')})`,
          SESSION_FIX,
        )
      if (visits(answer) !== n)
        return fail(
          `visit ${n}: ${by} counted ${visits(answer)}, not ${n}: the session ${served[0]} made was not there`,
          SESSION_FIX,
        )
      served.push(by)
    }
    const replicas = [...new Set(served)].sort()
    if (replicas.length < 2)
      return warn(
        `all ${count} visits went to ${replicas[0]}: with one replica answering, shared state is not shown`,
        'run two replicas or more, with a strategy that spreads one client (least_conn, round_robin)',
      )

    // The replica that made the session, killed (SIGKILL: nothing saved on the way out) and
    // started again; the session must still be there, on it and on the others.
    const maker = served[0] as string
    await target.mode.act('kill', maker)
    // Where the mode starts it again by itself (Kubernetes), its own `start` may refuse.
    let refused = ''
    await target.mode.act('start', maker).catch((err: Error) => {
      refused = ` (start: ${err.message.split('\n')[0]})`
    })
    // Where the mode replaces a killed replica by one of another name (Kubernetes' pods), the
    // maker is gone for good: the session is then read on the others and its replacement.
    const url = await target.mode.replicaUrl(maker).catch(() => undefined)
    const back =
      url === undefined ||
      (await until(60_000, async () =>
        (await request(`${url}/ready`, { timeoutMs: 2000 })).status === 200 ? true : undefined,
      ))
    if (!back)
      return warn(
        `${maker} did not come back within 60 s of its kill${refused}`,
        `see \`make logs s=${maker}\``,
      )
    const fate = url ? 'killed and started again' : 'killed and replaced'
    const seenAfter = new Set<string>()
    for (let n = 0; n < target.replicas.length * 3 && !(url && seenAfter.has(maker)); n++) {
      const answer = await request(target.api('/api/visits'), { jar })
      if (answer.status !== 200 || visits(answer) !== count)
        return fail(
          `after ${maker} (which made the session) was ${fate}, ${answer.replica ?? 'the balancer'} answered ${describe(answer)}${answer.status === 200 ? ` with ${visits(answer)} visits, not ${count}` : ''}`,
          SESSION_FIX,
        )
      seenAfter.add(answer.replica ?? '')
    }
    return pass(
      `${count} visits counted in one session by ${replicas.join(', ')}; ${maker}, which made it, ${fate}: still ${count}, read by ${[...seenAfter].sort().join(', ')}`,
    )
  },
}
