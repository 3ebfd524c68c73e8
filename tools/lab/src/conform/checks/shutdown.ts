// Graceful shutdown: on SIGTERM a replica finishes what it is serving, takes no new work, and
// then exits; so a rolling restart under load loses no request. The story, twice: a POST held in
// flight on one replica (the fault contract's latency, or where a set has none its own body sent
// in two halves) while that replica is stopped; then every
// replica of the set restarted one at a time (the lab's rollout) under a stream of keyed POSTs
// and GETs.
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { rollout } from '../../rollout.ts'
import { type Check, fail, pass, type Target, warn } from '../check.ts'
import { describe, request } from '../http.ts'

const DRAIN_FIX =
  'on SIGTERM: answer /ready 503, stop accepting, finish the requests in flight, then exit (Gunicorn does; Node needs a handler: close-with-grace)'
// Held long enough to be surely in flight at SIGTERM, short enough to leave the write most of
// the request's own deadline (the lab's replicas: REQUEST_DEADLINE_MS, 1 s).
const HELD_MS = 600
const json = { 'content-type': 'application/json' }

/**
 * A POST whose body arrives in two halves HELD_MS apart, straight to the replica: a set without
 * the fault contract is held in flight this way (a request being read is one being served).
 * `between` runs once the first half is sent. Its status, or 0 when no answer came.
 */
function slowPost(url: string, body: string, between: () => void): Promise<number> {
  const { hostname, port } = new URL(url)
  const bytes = Buffer.from(body)
  const half = Math.floor(bytes.length / 2)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    let answer = ''
    const timer = setTimeout(() => socket.destroy(), 20_000)
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0))
    })
    socket.on('error', () => undefined)
    socket.on('connect', async () => {
      socket.write(
        `POST /api/notes HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`,
      )
      socket.write(bytes.subarray(0, half))
      await sleep(200)
      between()
      await sleep(HELD_MS)
      if (!socket.destroyed) socket.write(bytes.subarray(half))
    })
  })
}

/** SIGTERM while a POST is in flight: its answer, or why the story could not be told. */
async function inFlight(target: Target): Promise<{ ok: boolean; evidence: string } | undefined> {
  const victim = target.replicas.at(-1) as string
  const url = await target.mode.replicaUrl(victim)
  const held = await request(`${url}/faults`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ latencyMs: HELD_MS, routes: ['/api/notes'] }),
  })
  if (held.status !== 200) return bodyInFlight(target, victim, url)
  try {
    const post = request(`${url}/api/notes`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'conform: in flight at SIGTERM' }),
    })
    await sleep(200)
    // A mode whose replicas are not stopped one by one (Kubernetes deletes pods) cannot tell it.
    const stopped = await target.mode.act('stop', victim).then(
      () => true,
      () => false,
    )
    const answer = await post
    if (!stopped) return undefined
    const after = await request(`${url}/health`, { timeoutMs: 2000 })
    if (answer.status !== 201)
      return {
        ok: false,
        evidence: `a POST in flight on ${victim} (held ${HELD_MS} ms) when it got SIGTERM: ${describe(answer)}`,
      }
    if (after.status !== 0)
      return { ok: false, evidence: `${victim}, stopped, still answered /health ${after.status}` }
    return {
      ok: true,
      evidence: `a POST in flight on ${victim} at SIGTERM answered 201, then ${victim} exited (connections refused)`,
    }
  } finally {
    await target.mode.act('start', victim).catch(() => undefined)
  }
}

/** Every replica restarted one at a time while POSTs and GETs stream in: the failures. */
async function rollingRestart(target: Target): Promise<{ sent: number; failed: string[]; seconds: number }> {
  let done = false
  let sent = 0
  const failed: string[] = []
  const worker = async () => {
    while (!done) {
      sent += 2
      // Keyed, as a careful client's writes are: the balancer may then retry one that met a
      // replica going away, which is what a rollout behind it relies on. (An unkeyed POST has
      // no such net: `make rollout`'s k6 run proves those; here the held request above is the
      // story of one in flight.)
      const post = await request(target.api('/api/notes'), {
        method: 'POST',
        headers: { ...json, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ text: `conform: rollout ${sent}` }),
      })
      if (post.status !== 201) failed.push(`POST ${describe(post)}`)
      const get = await request(target.api('/health'))
      if (get.status !== 200) failed.push(`GET ${describe(get)}`)
      // About 150 requests a second from the four: a rollout's load, not the machine's limit.
      await sleep(50)
    }
  }
  const started = Date.now()
  const workers = Array.from({ length: 4 }, worker)
  try {
    if (target.mode.rolloutSet) await target.mode.rolloutSet(target.set.name)
    else await rollout(target.env, target.replicas, (replica) => target.mode.act('restart', replica))
  } finally {
    done = true
    await Promise.all(workers)
  }
  return { sent, failed, seconds: (Date.now() - started) / 1000 }
}

/** The same story for a set without the fault contract: the POST held by its own body. */
async function bodyInFlight(
  target: Target,
  victim: string,
  url: string,
): Promise<{ ok: boolean; evidence: string } | undefined> {
  let stopping: Promise<boolean> = Promise.resolve(false)
  try {
    const status = await slowPost(url, JSON.stringify({ text: 'conform: in flight at SIGTERM' }), () => {
      stopping = target.mode.act('stop', victim).then(
        () => true,
        () => false,
      )
    })
    // A mode whose replicas are not stopped one by one (Kubernetes deletes pods) cannot tell it.
    if (!(await stopping)) return undefined
    // A set without the route has nothing to hold (its line says so, as a warning).
    if (status === 404 || status === 405) return undefined
    const after = await request(`${url}/health`, { timeoutMs: 2000 })
    const held = `a POST whose body was still arriving on ${victim} (its second half ${HELD_MS} ms later) when it got SIGTERM`
    if (status !== 201)
      return {
        ok: false,
        evidence: `${held}: ${status ? `answered ${status}` : 'no answer (the connection closed under the request)'}`,
      }
    if (after.status !== 0)
      return { ok: false, evidence: `${victim}, stopped, still answered /health ${after.status}` }
    return { ok: true, evidence: `${held} answered 201, then ${victim} exited (connections refused)` }
  } finally {
    await stopping
    await target.mode.act('start', victim).catch(() => undefined)
  }
}

export const shutdown: Check = {
  id: 'shutdown',
  requirement:
    'on SIGTERM a replica finishes in-flight requests and stops accepting; a rolling restart under load loses nothing',
  async run(target: Target) {
    const held = await inFlight(target)
    if (held && !held.ok) return fail(held.evidence, DRAIN_FIX)
    // As between two replicas of a rollout (rollout.ts): the balancer forgets the refused
    // connections it counted against the stopped one before the next one goes.
    if (held) await sleep(target.env.ms('UPSTREAM_FAIL_TIMEOUT'))
    const { sent, failed, seconds } = await rollingRestart(target)
    const restarts = `${target.replicas.join(', ')} restarted one at a time in ${seconds.toFixed(0)} s under ${sent} requests`
    if (failed.length > 0)
      return fail(
        `${restarts}: ${failed.length} failed (${[...new Set(failed)].slice(0, 3).join('; ')})${held ? `; ${held.evidence}` : ''}`,
        DRAIN_FIX,
      )
    if (!held)
      return warn(
        `${restarts}: none failed; no request could be held in flight at SIGTERM (the set has no POST /api/notes, or the mode stops no single replica)`,
        'run the check natively or in Docker mode to see a request held at SIGTERM',
      )
    return pass(`${held.evidence}; ${restarts}: none failed`)
  },
}
