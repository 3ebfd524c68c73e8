import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { burnCpu } from '../../lab/cpu.ts'
import { activeKinds, affects, FAULT_KINDS, type Faults, latencyNow } from '../../lab/faults.ts'
import { addServerTiming } from '../../lab/server-timing.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The faults an operator set on this replica (`make fault`), in memory only. */
    faults: { current: Faults; setAt: number | null; set(faults: Faults): void }
  }
}

/**
 * Applies the faults of src/faults.ts to every request they affect, before its route runs:
 * latency first, then CPU time, then maybe an error instead of the answer. Visible as
 * lab_fault_active{fault} (1 while set) and lab_fault_errors_total, and on each affected answer
 * as Server-Timing: fault-latency;dur=<ms waited> (0 once a slow start is over), fault-cpu.
 */
export default fp(
  async (app) => {
    const active = new Gauge({
      name: 'lab_fault_active',
      help: 'Faults set on this replica with make fault: 1 while a kind is active.',
      labelNames: ['fault'] as const,
      registers: [app.metricsRegistry],
    })
    const injected = new Counter({
      name: 'lab_fault_errors_total',
      help: 'Requests answered with an injected error (make fault errors=...).',
      labelNames: ['status_code'] as const,
      registers: [app.metricsRegistry],
    })
    const state = {
      current: {} as Faults,
      setAt: null as number | null,
      set(faults: Faults) {
        state.current = faults
        state.setAt = Object.keys(faults).length > 0 ? Date.now() : null
        const kinds = activeKinds(faults)
        for (const kind of FAULT_KINDS) active.set({ fault: kind }, kinds.includes(kind) ? 1 : 0)
        if (kinds.length > 0) app.log.warn({ faults }, 'faults set')
        else app.log.info('faults cleared')
      },
    }
    for (const kind of FAULT_KINDS) active.set({ fault: kind }, 0)
    app.decorate('faults', state)
    app.readinessHolds.push(() =>
      state.current.notReady === true ? 'fault set (make fault ready=no)' : undefined,
    )

    app.addHook('onRequest', async (request, reply) => {
      const faults = state.current
      if (state.setAt === null || !affects(faults, request.url)) return
      const delay = latencyNow(faults, Date.now() - state.setAt, Math.random())
      if (delay > 0) await sleep(delay)
      addServerTiming(reply, 'fault-latency', delay)
      if (faults.cpuMs) {
        burnCpu(faults.cpuMs)
        addServerTiming(reply, 'fault-cpu', faults.cpuMs)
      }
      if (faults.errorRate && Math.random() < faults.errorRate) {
        const status = faults.errorStatus ?? 500
        injected.inc({ status_code: status })
        return reply.code(status).send({
          error: status === 503 ? 'Service Unavailable' : 'Internal Server Error',
          message: 'injected fault (make fault)',
        })
      }
    })
  },
  { name: 'faults', dependencies: ['config', 'metrics', 'draining'] },
)
