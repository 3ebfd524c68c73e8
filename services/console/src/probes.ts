import { Resolver } from 'node:dns/promises'
import type { LabState } from './lab-state.ts'

/** What the console last saw of one replica, asked directly (never through nginx). */
export interface ReplicaProbe {
  /** serving, not ready, draining (its /ready says so), paused (no answer in time), down (refused). */
  answer: 'serving' | 'not ready' | 'draining' | 'paused' | 'down'
  /** Its /ready message when it is not ready. */
  detail: string
  faults: Record<string, unknown>
  at: number
}

const PROBE_TIMEOUT_MS = 400

/**
 * Docker mode: is the replica's container running (paused counts), whatever its port does? A
 * killed container's address answers nothing at all, as a paused one's does; its name (Compose
 * names it <project>-<set>-<n>) is in Docker's DNS only while it runs.
 */
async function containerRuns(project: string, replica: string): Promise<boolean> {
  const [, set, n] = /^([a-z]+)(\d+)$/.exec(replica) ?? []
  // Short: a name Docker does not know takes its DNS seconds to fail on an internal network.
  const dns = new Resolver({ timeout: 300, tries: 1 })
  return (await dns.resolve4(`${project}-${set}-${n}`).catch(() => [])).length > 0
}

async function probe(address: string): Promise<Omit<ReplicaProbe, 'faults'>> {
  const at = Date.now()
  try {
    const response = await fetch(`http://${address}/ready`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    if (response.ok) {
      await response.arrayBuffer()
      return { answer: 'serving', detail: '', at }
    }
    const { message = '' } = (await response.json().catch(() => ({}))) as { message?: string }
    return { answer: /draining/.test(message) ? 'draining' : 'not ready', detail: message, at }
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError'
    return {
      answer: timedOut ? 'paused' : 'down',
      detail: timedOut ? `no answer within ${PROBE_TIMEOUT_MS} ms` : 'connection refused',
      at,
    }
  }
}

async function faultsOf(address: string): Promise<Record<string, unknown>> {
  try {
    const response = await fetch(`http://${address}/faults`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    })
    return ((await response.json()) as { faults: Record<string, unknown> }).faults
  } catch {
    return {}
  }
}

/** Probes every replica of the lab state every `everyMs`; calls `changed` when an answer changes. */
export class Probes {
  readonly latest = new Map<string, ReplicaProbe>()
  private timer: NodeJS.Timeout | undefined

  /** `project`: Docker mode's Compose project, to tell a killed container from a paused one. */
  start(state: () => LabState | undefined, everyMs: number, changed: () => void, project?: string): void {
    const round = async () => {
      const current = state()
      if (current) {
        const replicas = Object.values(current.sets).flatMap((set) => set.replicas)
        await Promise.all(
          replicas.map(async ({ name, address }) => {
            const [seen, faults] = await Promise.all([probe(address), faultsOf(address)])
            if (project && seen.answer === 'paused' && !(await containerRuns(project, name))) {
              Object.assign(seen, { answer: 'down', detail: 'its container is not running' })
            }
            const before = this.latest.get(name)
            this.latest.set(name, { ...seen, faults })
            if (before?.answer !== seen.answer || JSON.stringify(before.faults) !== JSON.stringify(faults))
              changed()
          }),
        )
        for (const name of this.latest.keys())
          if (!replicas.some((r) => r.name === name)) this.latest.delete(name)
      }
      this.timer = setTimeout(round, everyMs)
    }
    void round()
  }

  stop(): void {
    clearTimeout(this.timer)
  }
}
