/**
 * Burns `ms` of this process's CPU time (not wall time: on a machine with fewer cores than
 * replicas, a replica waiting for a core must not count the wait as work done).
 */
export function burnCpu(ms: number): void {
  const start = process.cpuUsage()
  let used = 0
  while (used < ms * 1000) {
    const { user, system } = process.cpuUsage(start)
    used = user + system
  }
}
