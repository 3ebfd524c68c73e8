import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { logFile, serviceDir } from '../../paths.ts'

export type State = 'running' | 'paused' | 'exited' | 'absent'

interface PidRecord {
  pid: number
  // /proc start time: tells our process apart from an unrelated one that reused its pid.
  startTime: string
}

interface ProcStat {
  state: string
  ppid: number
  startTime: string
}

/** Fields of /proc/<pid>/stat, or undefined when there is no such process. */
function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // After "(comm) ": state is field 3 of the line, ppid field 4, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: fields[0] ?? '?', ppid: Number(fields[1]), startTime: fields[19] ?? '' }
  } catch {
    return undefined
  }
}

const gone = (stat: ProcStat | undefined) => !stat || stat.state === 'Z' || stat.state === 'X'

function pidFile(service: string): string {
  return join(serviceDir(service), 'pid.json')
}

function readPid(service: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(service), 'utf8')) as PidRecord
  } catch {
    return undefined
  }
}

/** The service's main pid while that process is still ours and alive (a zombie has exited). */
export function livePid(service: string): number | undefined {
  const record = readPid(service)
  if (!record) return undefined
  const stat = procStat(record.pid)
  if (gone(stat) || stat?.startTime !== record.startTime) return undefined
  return record.pid
}

export function stateOf(service: string): State {
  const pid = livePid(service)
  if (pid !== undefined) return procStat(pid)?.state === 'T' ? 'paused' : 'running'
  return readPid(service) ? 'exited' : 'absent'
}

export interface SpawnSpec {
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd: string
  uid?: number
  gid?: number
}

/**
 * Starts the service in its own session and process group (so signals reach its children,
 * e.g. Postgres backends and nginx workers), output appended to its log, and records its pid.
 */
export function spawnService(service: string, spec: SpawnSpec): number {
  const log = logFile(service)
  mkdirSync(dirname(log), { recursive: true })
  const fd = openSync(log, 'a')
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
    })
    if (child.pid === undefined) throw new Error(`${service}: could not start ${spec.command}`)
    child.unref()
    const record: PidRecord = { pid: child.pid, startTime: procStat(child.pid)?.startTime ?? '' }
    writeFileSync(pidFile(service), JSON.stringify(record))
    return child.pid
  } finally {
    closeSync(fd)
  }
}

export function forgetPid(service: string): void {
  rmSync(pidFile(service), { force: true })
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/**
 * The service's main process and all its descendants, parents first. A tree, not a process
 * group: Postgres backends call setsid(), so its group holds the postmaster alone.
 */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = procStat(Number(entry))
    if (stat && !gone(stat)) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)])
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []))
  return tree
}

/**
 * Signals every process of the service, like pausing or killing a container (its cgroup).
 * Returns the pids signalled: after a kill, the survivors are re-parented and no longer in the tree.
 */
export function signalTree(root: number, signal: NodeJS.Signals): number[] {
  const tree = processTree(root)
  for (const pid of tree) sendSignal(pid, signal)
  return tree
}

/** Signals the main process only (stop: the service shuts its own children down). */
export const signalMain = (pid: number, signal: NodeJS.Signals) => sendSignal(pid, signal)

/** Waits until none of `pids` is alive (zombies count as gone); false if one outlives the timeout. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (pids.some((pid) => !gone(procStat(pid)))) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}
