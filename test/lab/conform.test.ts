import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Report } from '../../tools/lab/src/conform/index.ts'
import { startsFromBaseline } from '../lib/baseline.ts'
import { lab } from '../lib/stack.ts'

startsFromBaseline()

const cli = fileURLToPath(new URL('../../tools/lab/src/cli.ts', import.meta.url))

/** `lab conform <set> --json [--only=...]`: its report and exit code (1 when a line failed). */
function conform(set: string, only?: string): Promise<{ code: number; report: Report }> {
  const args = [cli, 'conform', set, '--json', ...(only ? [`--only=${only}`] : [])]
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 300_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0
      // The JSON is the last thing printed (rollouts log a line per replica before it).
      const start = stdout.indexOf('{\n')
      if (start < 0)
        return reject(new Error(`lab conform ${set}: no report (exit ${code})\n${stdout}${stderr}`))
      resolve({ code, report: JSON.parse(stdout.slice(start)) as Report })
    })
  })
}

const verdicts = (report: Report) => Object.fromEntries(report.lines.map((line) => [line.id, line.verdict]))

describe('make conform: is a set ready to be load-balanced', () => {
  // Every switch back to its default; `up` restarts the replicas whose environment changed.
  after(() => lab(['up']))

  for (const set of ['app', 'py']) {
    it(`passes the lab's own ${set} replicas on every line, exit 0`, async (t) => {
      const { code, report } = await conform(set)
      for (const line of report.lines) t.diagnostic(`${line.verdict} ${line.id}: ${line.evidence}`)
      assert.deepEqual(verdicts(report), {
        config: 'pass',
        observability: 'pass',
        retries: 'pass',
        files: 'pass',
        health: 'pass',
        stateless: 'pass',
        shutdown: 'pass',
      })
      assert.equal(code, 0)
    })
  }

  // The anti-pattern switches on (contract/README.md): each fails the line it breaks, for the
  // reason it gives, and the exit code says so. On together, to restart the replicas once: no
  // line's story touches another's switch (the held POST and the rollout keep no session).
  const SWITCHES = {
    SESSION_STORE: 'memory',
    MEDIA_STORE: 'disk',
    SHUTDOWN_DRAIN: 'off',
  }
  const REASONS: Record<string, RegExp> = {
    stateless: /^visit \d+: app\d answered 400 \(session expired[^)]*\) to a session app\d made/,
    files:
      /^uploaded through app\d; GET \/api\/media\/\S+ answered (app\d 404 \(no media \S+ on this replica\)(, )?)+$/,
    shutdown:
      /^a POST in flight on app3 \(held \d+ ms\) when it got SIGTERM: no answer \(the connection closed under the request\)$/,
  }
  it('fails stateless, files and shutdown with their anti-pattern switches on, each saying why', async (t) => {
    await lab(['up'], SWITCHES)
    const { code, report } = await conform('app', Object.keys(REASONS).join(','))
    for (const line of report.lines) t.diagnostic(`${line.verdict} ${line.id}: ${line.evidence}`)
    assert.deepEqual(verdicts(report), { files: 'fail', stateless: 'fail', shutdown: 'fail' })
    for (const line of report.lines) {
      assert.match(line.evidence, REASONS[line.id] as RegExp, line.id)
      assert.ok(line.fix, `${line.id}: a failed line says how to fix it`)
    }
    assert.equal(code, 1)
  })
})
