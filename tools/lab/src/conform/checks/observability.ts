// Observability: the request id the balancer gives a request reaches the replica (so a log line
// and an access log line can be joined), and the replica has metrics to scrape. The story: one
// request through the balancer, its X-Request-ID looked for in the replica's log; /metrics read.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { repoRoot } from '../../paths.ts'
import { type Check, fail, pass, type Target, warn } from '../check.ts'
import { describe, request, until } from '../http.ts'

const run = promisify(execFile)

/** The replica's recent log through the lab's own verb, whatever the mode. */
async function logOf(replica: string): Promise<string> {
  const { stdout } = await run(process.execPath, [`${repoRoot}/tools/lab/src/cli.ts`, 'logs', replica], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30_000,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
  return stdout
}

export const observability: Check = {
  id: 'observability',
  requirement: "the balancer's request id reaches the replica's log; the replica has metrics",
  async run(target: Target) {
    // A request that is logged (not a probe): a note that does not exist, a cheap 404.
    const answer = await request(target.api('/api/notes/999999999'))
    const id = answer.headers.get('x-request-id')
    if (!id || !answer.replica)
      return fail(
        `GET a note through the balancer: ${describe(answer)}, X-Request-ID ${id ?? 'absent'}`,
        'log the X-Request-ID the balancer sends',
      )
    const logged = await until(10_000, async () =>
      (await logOf(answer.replica as string)).includes(id) ? true : undefined,
    )
    if (!logged)
      return fail(
        `${answer.replica} answered a request the balancer named ${id}; its log never mentioned that id`,
        "take the request id from X-Request-ID (the balancer's) and put it on every log line of the request",
      )
    const metrics = await request(`${await target.mode.replicaUrl(answer.replica)}/metrics`)
    const series = metrics.body.split('\n').filter((line) => line && !line.startsWith('#')).length
    if (metrics.status !== 200 || series === 0)
      return warn(
        `request id ${id} in ${answer.replica}'s log; /metrics: ${describe(metrics)}`,
        'expose Prometheus metrics at /metrics (requests by route and status, latency, dependency errors)',
      )
    return pass(`request id ${id} found in ${answer.replica}'s log; /metrics serves ${series} series`)
  },
}
