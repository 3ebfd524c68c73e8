// The lab console's service: the live picture of what nginx does with each replica, pushed to
// the page (server-sent events), the built-in load generator and the fault controls. nginx
// serves it at /console/ (and redirects / there); it listens on this machine (natively) or on
// the internal network (Docker mode) only. No npm packages: Node's own http, dgram and fetch.
import { createSocket } from 'node:dgram'
import { createServer } from 'node:http'
import { parseDatagram } from './access-log.ts'
import { loadConsoleConfig } from './config.ts'
import type { Context } from './context.ts'
import { History, SAMPLE_MS } from './history.ts'
import { type LabState, readLabState } from './lab-state.ts'
import { LoadGenerator } from './load.ts'
import { Media } from './media.ts'
import { Probes } from './probes.ts'
import { handle } from './routes.ts'
import { snapshot } from './snapshot.ts'
import { Traffic } from './stats.ts'

let config: ReturnType<typeof loadConsoleConfig>
try {
  config = loadConsoleConfig()
} catch (err) {
  console.error(`console: ${(err as Error).message}`)
  process.exit(1)
}

const traffic = new Traffic()
const media = new Media()
const probes = new Probes()
const load = new LoadGenerator(config.target)
let state: LabState | undefined
const listeners = new Set<() => void>()
const push = () => {
  for (const listener of listeners) listener()
}

// nginx's access log, one datagram per request (access_log syslog:... in lb.conf.template).
const syslog = createSocket('udp4')
syslog.on('message', (message) => {
  const entry = parseDatagram(message.toString('utf8'), state?.syslogTag ?? '')
  if (!entry || entry.uri.startsWith('/console/')) return
  if (entry.uri.startsWith('/media/')) media.add(entry)
  else if (entry.attempts.length > 0) traffic.add(entry)
})
syslog.bind(config.syslogPort, config.host)

// The lab re-renders nginx's config on every change (strategy, scale, drain): read it each second.
const refresh = async () => {
  const next = await readLabState(config.stateFile)
  if (next && next.version !== state?.version) {
    state = next
    push()
  }
}
await refresh()
const stateTimer = setInterval(refresh, 1000)
probes.start(() => state, 500, push, config.composeProject)
media.start(() => state, 1000, push)

const ctx: Context = {
  config,
  traffic,
  media,
  probes,
  load,
  state: () => state,
  listeners,
  history: new History(),
  historyListeners: new Set(),
  lesson: { current: null },
}
const historyTimer = setInterval(() => {
  ctx.history.record(snapshot(ctx))
  for (const listener of ctx.historyListeners) listener()
}, SAMPLE_MS)

const server = createServer((request, response) => {
  handle(request, response, ctx).catch((err) => {
    console.error(`console: ${request.method} ${request.url}: ${(err as Error).stack}`)
    if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ error: 'Internal Server Error', message: 'see the console log' }))
  })
})
// An event stream stays open; everything else is small and quick.
server.requestTimeout = 10_000
server.listen(config.port, config.host, () => {
  console.log(`console: listening on ${config.host}:${config.port}, nginx's log on udp ${config.syslogPort}`)
})

const shutdown = () => {
  load.stop()
  probes.stop()
  media.stop()
  clearInterval(stateTimer)
  clearInterval(historyTimer)
  syslog.close()
  server.close()
  server.closeAllConnections()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
