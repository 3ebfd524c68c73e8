// The lab's instruments, apart from the service's pattern: faults to break this replica on
// purpose (`make fault`, the contract's /faults) and /api/work with its concurrency limit, to
// overload it. A service started from this replica drops this folder, plugins/lab/, routes/lab/
// and the one line of app.ts that registers this plugin.
import fp from 'fastify-plugin'
import faultsPlugin from '../plugins/lab/faults.ts'
import workLimiterPlugin from '../plugins/lab/work-limiter.ts'
import faultsRoutes from '../routes/lab/faults.ts'
import workRoutes from '../routes/lab/work.ts'

export default fp(
  async (app) => {
    // At the root (fastify-plugin): the faults' hook runs before every route, core ones too.
    await app.register(faultsPlugin)
    await app.register(workLimiterPlugin)
    await app.register(faultsRoutes)
    await app.register(workRoutes)
  },
  { name: 'lab-instruments', dependencies: ['config', 'metrics', 'draining'] },
)
