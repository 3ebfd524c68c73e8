import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadLabEnv } from '../../env.ts'
import { portFree } from '../../probes.ts'
import { installPackages, missingPackages } from '../../system.ts'
import { parseReplica } from '../../topology.ts'
import { busyPortMessage } from './first-run.ts'
import {
  forgetPid,
  livePid,
  processTree,
  signalMain,
  signalTree,
  spawnService,
  stateOf,
  waitForExit,
} from './procs.ts'
import { type Service, ServiceError } from './services/index.ts'

/**
 * How long `start` waits for a port its previous process held. A process that ended without
 * closing its connections (SIGKILL, or SIGTERM with no handler: SHUTDOWN_DRAIN=off) leaves them to
 * the kernel, which holds the port until the balancer closes its end: seconds, measured.
 */
const PORT_LINGER_MS = 10_000

async function portFreeWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!(await portFree(port))) {
    if (Date.now() > deadline) return false
    await sleep(250)
  }
  return true
}

export class Stack {
  readonly services: Service[]
  constructor(services: Service[]) {
    this.services = services
  }

  get(name: string): Service {
    const service = this.services.find((s) => s.name === name)
    if (!service)
      throw new Error(`no service "${name}"; services: ${this.services.map((s) => s.name).join(', ')}`)
    return service
  }

  /** Installs the Debian packages that provide missing binaries (or says how to). */
  install(): void {
    installPackages(missingPackages(this.services.flatMap((s) => s.binaries)))
  }

  /** Starts every service once its dependencies are healthy; reloads changed configs. */
  async up(): Promise<void> {
    const startedNow: Service[] = []
    const starting = new Map<string, Promise<void>>()
    const ensure = (service: Service): Promise<void> => {
      let promise = starting.get(service.name)
      if (!promise) {
        promise = Promise.all(service.dependsOn.map((dep) => ensure(this.get(dep)))).then(() =>
          this.bringUp(service, startedNow),
        )
        starting.set(service.name, promise)
      }
      return promise
    }
    const results = await Promise.allSettled(this.services.map(ensure))
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) {
      // Leave nothing half-up: stop what this call started, newest first.
      for (const service of startedNow.reverse()) await this.stop(service.name)
      throw failure.reason
    }
    // As Compose recreates a container whose environment changed (an anti-pattern switch, a
    // timeout), but one replica at a time, so that the set keeps serving.
    for (const service of this.services) {
      const changed = this.changedEnv(service)
      if (changed.length === 0) continue
      console.log(`lab: ${service.name}: ${changed.join(', ')} changed; restarting it`)
      await this.restart(service.name)
    }
  }

  /** A running replica's variables whose value differs from what it would start with now. */
  private changedEnv(service: Service): string[] {
    const pid = livePid(service.name)
    if (pid === undefined || !parseReplica(service.name)) return []
    let environ: string
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
    } catch {
      return []
    }
    const running = new Map(
      environ
        .split('\0')
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    )
    return Object.entries(service.command().env ?? {})
      .filter(([key, value]) => running.get(key) !== value)
      .map(([key]) => key)
  }

  /** Starts one service if it is not running; if it is, applies a changed config in place. */
  private async bringUp(service: Service, startedNow: Service[]): Promise<void> {
    if (livePid(service.name) === undefined) return this.start(service.name, startedNow)
    // `up` means every service serving: a paused one would pass for running and stay frozen.
    if (stateOf(service.name) === 'paused') {
      console.log(`lab: ${service.name} was paused; unpausing it`)
      this.unpause(service.name)
    }
    await this.reconfigure(service.name)
    await service.converge?.()
  }

  /** Re-renders a running service's config; if it changed, reloads it and waits for the new one. */
  async reconfigure(name: string): Promise<void> {
    const service = this.get(name)
    const pid = livePid(name)
    if (pid === undefined) throw new ServiceError(name, 'is not running')
    if (service.reload && (await service.prepare?.())) {
      await service.reload(pid)
      await this.waitHealthy(service, 'reload')
    }
  }

  async start(name: string, startedNow: Service[] = []): Promise<void> {
    const service = this.get(name)
    if (livePid(name) !== undefined) return
    await service.prepare?.()
    for (const port of service.ports ?? (service.port === undefined ? [] : [service.port])) {
      if (!(await portFreeWithin(port, PORT_LINGER_MS)))
        throw new ServiceError(name, busyPortMessage(loadLabEnv(), port))
    }
    spawnService(name, service.command())
    startedNow.push(service)
    await this.waitHealthy(service, 'start')
    await service.converge?.()
  }

  private async waitHealthy(service: Service, during: string): Promise<void> {
    const deadline = Date.now() + service.startTimeoutMs
    while (Date.now() < deadline) {
      if (livePid(service.name) === undefined) throw new ServiceError(service.name, `exited during ${during}`)
      if (await service.healthy()) return
      await sleep(100)
    }
    throw new ServiceError(service.name, `not healthy ${service.startTimeoutMs / 1000} s after ${during}`)
  }

  /** Compose's stop: the service's stop signal, then SIGKILL to all its processes after a grace period. */
  async stop(name: string): Promise<void> {
    const service = this.get(name)
    const pid = livePid(name)
    if (pid === undefined) return
    const tree = processTree(pid)
    // A paused (SIGSTOPped) process cannot act on a stop signal until it runs again.
    signalTree(pid, 'SIGCONT')
    signalMain(pid, service.stopSignal)
    if (await waitForExit(tree, service.stopTimeoutMs)) return
    console.error(`lab: ${name} did not stop within ${service.stopTimeoutMs / 1000} s; killing it`)
    for (const survivor of tree) signalMain(survivor, 'SIGKILL')
    if (!(await waitForExit(tree, 5000))) throw new ServiceError(name, 'processes survived SIGKILL')
  }

  /** Compose's kill: SIGKILL to every process of the service at once. */
  async kill(name: string): Promise<void> {
    this.get(name)
    const pid = livePid(name)
    if (pid === undefined) return
    if (!(await waitForExit(signalTree(pid, 'SIGKILL'), 5000))) {
      throw new ServiceError(name, 'processes survived SIGKILL')
    }
  }

  async restart(name: string): Promise<void> {
    await this.stop(name)
    await this.start(name)
  }

  pause(name: string): void {
    this.signalRunning(name, 'SIGSTOP')
  }

  unpause(name: string): void {
    this.signalRunning(name, 'SIGCONT')
  }

  private signalRunning(name: string, signal: NodeJS.Signals): void {
    this.get(name)
    const pid = livePid(name)
    if (pid === undefined) throw new ServiceError(name, 'is not running')
    signalTree(pid, signal)
  }

  /**
   * Stops everything, dependents first, and forgets the pids (data stays, as with compose down).
   * The replicas stop together: each may wait for its clients' idle connections (draining.ts),
   * and none depends on another.
   */
  async down(): Promise<void> {
    const batches: Service[][] = []
    for (const service of [...this.services].reverse()) {
      const last = batches.at(-1)
      if (last && parseReplica(service.name) && parseReplica(last[0]?.name ?? '')) last.push(service)
      else batches.push([service])
    }
    for (const batch of batches) {
      await Promise.all(batch.map((service) => this.stop(service.name)))
      for (const service of batch) forgetPid(service.name)
    }
  }

  status() {
    return this.services.map((s) => ({ service: s, state: stateOf(s.name), pid: livePid(s.name) }))
  }
}
