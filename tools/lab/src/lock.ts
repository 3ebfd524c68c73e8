import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stateRoot } from './paths.ts'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Runs `fn` holding the state folder's lock for whole-stack verbs: two `make up` at once would
 * share nginx's staging folder and race for the same ports, and the loser would stop what the
 * other had started. A second caller waits (bounded) and then finds the stack up. A lock left by
 * a process that died is taken over.
 */
export async function withStackLock<T>(verb: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  mkdirSync(stateRoot, { recursive: true })
  const path = join(stateRoot, 'stack.lock')
  const deadline = Date.now() + timeoutMs
  let announced = false
  for (;;) {
    try {
      writeFileSync(path, `${process.pid} ${verb}\n`, { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const [pid, holder = '?'] = readFileSync(path, 'utf8').trim().split(' ')
    if (!alive(Number(pid))) {
      rmSync(path, { force: true })
      continue
    }
    if (Date.now() > deadline)
      throw new Error(`another \`lab ${holder}\` (pid ${pid}) still runs after ${timeoutMs / 1000} s`)
    if (!announced) console.log(`lab: waiting for another \`lab ${holder}\` (pid ${pid}) to finish`)
    announced = true
    await sleep(200)
  }
  try {
    return await fn()
  } finally {
    rmSync(path, { force: true })
  }
}
