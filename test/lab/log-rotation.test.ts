import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  LOG_FILES,
  logsUnder,
  parseSize,
  rotateIfOver,
} from '../../tools/lab/src/modes/native/log-rotation.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'

/** A state folder with one service's log, opened for appending as the lab opens it for a service. */
function stateWithLog(service: string) {
  const state = mkdtempSync(join(tmpdir(), 'lb-lab-logs-'))
  const dir = join(state, service, 'log')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${service}.log`)
  const fd = openSync(file, 'a')
  return { state, file, fd, write: (text: string) => writeSync(fd, text) }
}

describe("native mode's logs are capped like Docker mode's (LOG_MAX_SIZE, three files)", () => {
  const cleanup: Array<() => void> = []
  after(() => {
    for (const step of cleanup) step()
  })

  it('rotates a log past the cap, keeps three files, and the service writes on from the start', () => {
    const log = stateWithLog('app1')
    cleanup.push(
      () => closeSync(log.fd),
      () => rmSync(log.state, { recursive: true, force: true }),
    )
    assert.deepEqual(logsUnder(log.state), [log.file])

    log.write('x'.repeat(900))
    assert.equal(rotateIfOver(log.file, 1000), false, 'under the cap: left alone')
    for (const round of ['a', 'b', 'c', 'd']) {
      log.write(round.repeat(1200))
      assert.equal(rotateIfOver(log.file, 1000), true)
    }
    // Still the same descriptor, opened before any rotation: its writes land in the emptied file.
    log.write('after the rotation\n')
    assert.equal(readFileSync(log.file, 'utf8'), 'after the rotation\n')
    assert.equal(readFileSync(`${log.file}.1`, 'utf8'), 'd'.repeat(1200))
    assert.equal(readFileSync(`${log.file}.2`, 'utf8'), 'c'.repeat(1200))
    assert.equal(existsSync(`${log.file}.${LOG_FILES}`), false, 'a fourth file')
  })

  it('runs as a service: rotates what grows while it watches, and stops on SIGTERM', async () => {
    const log = stateWithLog('nginx')
    cleanup.push(
      () => closeSync(log.fd),
      () => rmSync(log.state, { recursive: true, force: true }),
    )
    const keeper = spawn(
      process.execPath,
      [join(repoRoot, 'tools/lab/src/modes/native/log-keeper.ts'), log.state, '4096', '50'],
      { stdio: 'ignore' },
    )
    cleanup.push(() => keeper.kill('SIGKILL'))

    log.write(`${'y'.repeat(99)}\n`.repeat(100)) // 10 kB
    // Rotated once the log is emptied: the copy is complete before the truncation.
    const rotated = () => statSync(log.file).size === 0
    const deadline = Date.now() + 5000
    while (!rotated() && Date.now() < deadline) await sleep(20)
    assert.ok(rotated(), 'not rotated within 5 s')
    assert.equal(statSync(`${log.file}.1`).size, 10_000)

    keeper.kill('SIGTERM')
    const [code] = await Promise.race([once(keeper, 'exit'), sleep(2000, ['still running'])])
    assert.equal(code, 0)
  })

  it("reads LOG_MAX_SIZE as Docker's json-file driver does, and refuses what it cannot read", () => {
    assert.equal(parseSize('10m'), 10 * 1024 * 1024)
    assert.equal(parseSize('512k'), 512 * 1024)
    assert.equal(parseSize('1g'), 1024 ** 3)
    assert.equal(parseSize('20MB'), 20 * 1024 * 1024)
    assert.equal(parseSize('1500'), 1500)
    for (const bad of ['', '0', '10 m', 'ten', '-1m', '1.5m'])
      assert.throws(() => parseSize(bad), /is not a size/, bad)
  })
})
