import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { withoutDrain } from './lab/anti-patterns.ts' // lab-only
import { replicaIdFromDns } from './replica-name.ts'

let config: ReturnType<typeof loadConfig>
try {
  // Docker mode's scaled replicas leave REPLICA_ID unset: their container's name is theirs.
  config = loadConfig({ ...process.env, REPLICA_ID: process.env.REPLICA_ID || (await replicaIdFromDns()) })
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  // Before the logger exists: one plain line that says exactly what to fix.
  console.error(`app: ${err.message}`)
  process.exit(1)
}

const app = await buildApp(config, {
  logger: {
    level: config.LOG_LEVEL,
    base: { replica: config.REPLICA_ID, pid: process.pid },
  },
  // Longer than nginx's upstream keepalive_timeout: the proxy, not the replica, closes idle
  // keep-alive connections, so nginx never reuses a socket the replica is closing.
  keepAliveTimeout: 65_000,
  // Bounds slow or stuck clients; nginx buffers the client side, so this only guards the hop.
  requestTimeout: 30_000,
  // Above what nginx lets through (about 17 KiB of request line and headers: its
  // large_client_header_buffers), so that nginx, not Node, refuses what is too large.
  http: { maxHeaderSize: 32 * 1024 },
})

closeWithGrace(
  // The drain's own budget (plugins/draining.ts), then a little for the pools and clients to close.
  { delay: config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + 2000, logger: app.log },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info({ signal }, 'shutting down')
    await app.drainAndClose()
    app.log.info('closed cleanly')
  },
)
// The lab's anti-pattern switch SHUTDOWN_DRAIN=off (lab/anti-patterns.ts): no SIGTERM handler.
if (config.SHUTDOWN_DRAIN === 'off') withoutDrain() // lab-only

await app.listen({ host: config.HOST, port: config.PORT })
