// What a newcomer's first `make up` can trip on, found before anything starts and said plainly:
// a state folder the postgres user cannot reach, a port another program holds.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { LabEnv } from '../../env.ts'

/**
 * The first folder on the way to `path` (itself included) that the user `uid` (primary group
 * `gid`, and the groups /etc/group gives it) may not enter; undefined when it may enter them all.
 */
export function blockedFor(uid: number, gid: number, groups: number[], path: string): string | undefined {
  let folder = existsSync(path) ? realpathSync(path) : path
  const chain: string[] = []
  for (; ; folder = dirname(folder)) {
    if (existsSync(folder)) chain.unshift(folder)
    if (folder === dirname(folder)) break
  }
  for (const dir of chain) {
    const { mode, uid: owner, gid: group } = statSync(dir)
    const bit = owner === uid ? 0o100 : group === gid || groups.includes(group) ? 0o010 : 0o001
    if ((mode & bit) === 0) return dir
  }
  return undefined
}

/** The groups /etc/group lists `user` in (besides its primary one). */
export function groupsOf(user: string): number[] {
  return readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter(([, , , members = '']) => members.split(',').includes(user))
    .map(([, , id]) => Number(id))
}

/**
 * Natively as root, Postgres runs as the `postgres` user (it refuses root), and must reach its
 * data under the state folder. A clone in root's home (mode 700) is out of its reach: initdb then
 * fails deep in its log ("could not open file .../pwfile: Permission denied"). Said here, first.
 */
export function checkStateReachable(owner: { uid: number; gid: number } | undefined, state: string): void {
  if (!owner) return
  const blocked = blockedFor(owner.uid, owner.gid, groupsOf('postgres'), state)
  if (!blocked) return
  const mode = (statSync(blocked).mode & 0o777).toString(8)
  throw new Error(
    `the postgres user cannot reach the state folder ${state}: ${blocked} is mode ${mode}. ` +
      'Postgres refuses to run as root, so the lab runs it as postgres, and it must enter every ' +
      'folder on the way. Clone the lab somewhere others may enter (/srv, /opt, a home of mode ' +
      '755), or keep the state there: LAB_STATE_DIR=/var/tmp/lb-lab make up',
  )
}

/** The program listening on a TCP port of this machine, as `name (pid N)`, when /proc shows it. */
export function portHolder(port: number): string | undefined {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl, local address, remote address, state, queues, timers, retransmits, uid, timeout, inode
      const [, local = '', , state, , , , , , inode] = line.trim().split(/\s+/)
      // State 0A: listening.
      if (state === '0A' && Number.parseInt(local.split(':')[1] ?? '', 16) === port && inode)
        inodes.add(inode)
    }
  }
  if (inodes.size === 0) return undefined
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let fds: string[]
    try {
      fds = readdirSync(join('/proc', pid, 'fd'))
    } catch {
      continue // another user's process, or gone: not ours to see
    }
    for (const fd of fds) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(join('/proc', pid, 'fd', fd)))?.[1]
        if (socket && inodes.has(socket)) return `${programOf(pid)} (pid ${pid})`
      } catch {}
    }
  }
  return undefined
}

/** A process's program name as `ps` would show it (nginx's master rewrites its argv: "nginx: ..."). */
function programOf(pid: string): string {
  const argv0 = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').split('\0')[0] ?? ''
  return basename(argv0.split(/\s/)[0] ?? '').replace(/:$/, '') || 'a process'
}

/** The setting a port comes from (PROMETHEUS_PORT, or APP_PORT_BASE for app2's), for the message. */
export function portSetting(env: LabEnv, port: number): string | undefined {
  for (const [key, value] of env.values) {
    if (key.endsWith('_PORT') && Number(value) === port) return key
    if (key.endsWith('_PORT_BASE') && port > Number(value) && port <= Number(value) + 9) return key
  }
  return undefined
}

/** A busy port, said so that a newcomer knows what holds it and what to change. */
export function busyPortMessage(env: LabEnv, port: number): string {
  const holder = portHolder(port)
  const setting = portSetting(env, port)
  return (
    `port ${port} is already in use by ${holder ?? 'another process'}. ` +
    (setting ? `Change ${setting} in .env, or stop that program` : 'Stop that program') +
    ' (Debian starts its prometheus, exporters, redis-server, postgresql and nginx services when' +
    ' it installs them: sudo systemctl disable --now <service>)'
  )
}
