// make test's own promise: a part that cannot run is named, never passed over. `test/run.ts plan`
// decides exactly as a run does, without running anything.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { outputTail, Recorder } from '../recorder.ts'

function plan(env: Record<string, string>): { code: number; output: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'test/run.ts'), 'plan'], {
    cwd: repoRoot,
    env: { ...process.env, CI: '', SKIP: '', CHROMIUM: process.execPath, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` }
}

describe('make test names every part that does not run, and fails for it', () => {
  it('without a browser, the browser suites do not run, and the run fails naming them', () => {
    const { code, output } = plan({ CHROMIUM: '/nonexistent/chromium', SKIP: 'docker' })
    assert.equal(code, 1, output)
    assert.match(
      output,
      /native: browser +not run +chromium is not available: CHROMIUM=\/nonexistent\/chromium/,
    )
    assert.match(output, /make test did not pass:\n {2}- native: browser did not run/)
  })

  it('without a Docker engine (and not under CI), the Docker part does not run, and the run fails naming it', () => {
    const { code, output } = plan({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    assert.equal(code, 1, output)
    assert.match(output, /docker: engine +not run +no Docker engine answers/)
    assert.match(output, /docker: e2e +not run +no Docker engine/)
  })

  it('a part left out on purpose (SKIP) passes, and says so', () => {
    const { code, output } = plan({ SKIP: 'docker,browser' })
    assert.equal(code, 0, output)
    assert.match(output, /native: browser +left out +SKIP=browser/)
    assert.match(output, /docker: engine +left out +SKIP=docker/)
    assert.match(output, /left out as asked: /)
  })

  it('under CI=true nothing may be left out, even on purpose', () => {
    const { code, output } = plan({ CI: 'true', SKIP: 'browser' })
    assert.equal(code, 1, output)
    assert.match(output, /native: browser was left out \(SKIP=browser\), which CI=true does not allow/)
  })

  it('refuses a part it does not know, rather than running everything', () => {
    const { code, output } = plan({ SKIP: 'dokcer' })
    assert.equal(code, 1, output)
    assert.match(output, /SKIP=dokcer: unknown dokcer/)
  })

  it("repeats a failed part's last lines under the table, where a CI log's end shows them", async (t) => {
    const recorder = new Recorder(false, new Set())
    const printed: string[] = []
    t.mock.method(console, 'log', (line: string) => printed.push(line))
    await recorder.step('docker: up', [], async () => {
      // What test/parts.ts's sh hands on, in the pieces a pipe delivers: colour codes, a split line.
      outputTail.push(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n'))
      outputTail.push('\n\u001b[31mcompose: app-1 is ')
      outputTail.push('unhealthy\u001b[0m\n')
      return 3
    })
    await recorder.step('docker: e2e', [], async () => 0)
    const code = recorder.finish()
    t.mock.restoreAll()

    assert.equal(code, 1)
    const end = printed.join('\n')
    assert.match(
      end,
      /docker: up: the last lines it printed\n {2}\| line 20\n[\s\S]*\| line 30\n {2}\| compose: app-1 is unhealthy\n/,
    )
    assert.doesNotMatch(end, /\| line 19\n/, 'twelve lines, not the whole output')
    assert.doesNotMatch(end, /docker: e2e: the last lines/, 'only failed parts')
  })

  it('names the failing tests and their k6 thresholds, which a long stack trace pushes out of the tail', async (t) => {
    const recorder = new Recorder(false, new Set())
    const printed: string[] = []
    t.mock.method(console, 'log', (line: string) => printed.push(line))
    await recorder.step('docker: k6', [], async () => {
      // node:test's spec reporter: a passing test's diagnostic first, then its closing section.
      outputTail.push(
        '✔ the check bites (6.6s)\n  ℹ   FAILED threshold replica_hits{replica:app1}: count<=217\n',
      )
      outputTail.push('✖ failing tests:\n\ntest at test/k6/k6.test.ts:102:3\n✖ distribution (11.7s)\n')
      outputTail.push('  AssertionError [ERR_ASSERTION]: distribution-even: 985 requests\n')
      outputTail.push('    FAILED threshold dropped_iterations: count==0\n')
      outputTail.push(Array.from({ length: 20 }, (_, i) => `      at frame ${i}`).join('\n'))
      return 1
    })
    recorder.finish()
    t.mock.restoreAll()

    const end = printed.join('\n')
    assert.match(
      end,
      /docker: k6: what its tests said failed\n {2}\| test at test\/k6\/k6.test.ts:102:3\n {2}\| ✖ distribution \(11.7s\)\n {2}\| AssertionError \[ERR_ASSERTION\]: distribution-even: 985 requests\n {2}\| FAILED threshold dropped_iterations: count==0\n\n/,
    )
    assert.doesNotMatch(end, /what its tests said failed[\s\S]*replica_hits/, 'a passing test is not named')
    assert.match(end, /docker: k6: the last lines it printed\n {2}\| {7}at frame 8\n/)
  })
})
