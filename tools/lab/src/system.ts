import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Debian's Postgres keeps its server binaries out of PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
  } catch {
    return []
  }
}

function searchPath(): string[] {
  // sbin is often missing from a non-root PATH.
  return [...postgresBinDirs(), ...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']
}

/** Where a binary is on the search path; a path given whole (a module, say) if it exists. */
export function which(binary: string): string | undefined {
  if (binary.startsWith('/')) return existsSync(binary) ? binary : undefined
  for (const dir of searchPath()) {
    if (!dir) continue
    const candidate = join(dir, binary)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** PATH for scripts the lab runs (the Postgres bootstrap), with the Postgres binaries first. */
export function scriptPath(): string {
  return [...postgresBinDirs(), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter)
}

/** Which Debian package provides each binary the stack needs. */
export const PACKAGES: Record<string, string> = {
  'redis-server': 'redis-server',
  postgres: 'postgresql',
  initdb: 'postgresql',
  pg_basebackup: 'postgresql',
  pg_isready: 'postgresql',
  psql: 'postgresql',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  openssl: 'openssl',
  'prometheus-nginx-exporter': 'prometheus-nginx-exporter',
  'prometheus-redis-exporter': 'prometheus-redis-exporter',
  'prometheus-postgres-exporter': 'prometheus-postgres-exporter',
}

export function missingPackages(binaries: Iterable<string>): string[] {
  const packages = new Set<string>()
  for (const binary of binaries) {
    if (!which(binary)) packages.add(PACKAGES[binary] ?? binary)
  }
  return [...packages].sort()
}

export const isRoot = () => process.getuid?.() === 0

/**
 * Installs missing Debian packages when we are root and apt exists; otherwise throws an error
 * holding the exact command to run.
 */
export function installPackages(packages: string[]): void {
  if (packages.length === 0) return
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`
  if (!isRoot() || !which('apt-get')) {
    throw new Error(
      `missing Debian packages: ${packages.join(', ')}. Install them with:\n  sudo apt-get update && sudo ${command}`,
    )
  }
  console.log(`lab: installing ${packages.join(', ')} (apt-get)`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (result.status !== 0)
      throw new Error(`apt-get ${args[0]} failed (exit ${result.status}); tried: ${command}`)
  }
}

/** uid/gid to run Postgres as: itself when not root, else the `postgres` user Debian creates. */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  const [, , uid, gid] = line?.split(':') ?? []
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'Postgres refuses to run as root and there is no `postgres` user (apt-get install postgresql creates it)',
    )
  }
  return { uid: Number(uid), gid: Number(gid) }
}

export interface Collected {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs a command to its end and collects what it printed (`inherit`: it prints to this terminal
 * instead, and nothing is collected). Rejects only when it cannot start; past `timeoutMs` it is
 * killed, and its exit code says so.
 */
export function collect(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; inherit?: boolean; timeoutMs?: number } = {},
): Promise<Collected> {
  const stdio = options.inherit ? 'inherit' : 'pipe'
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', stdio, stdio],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr?.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}
