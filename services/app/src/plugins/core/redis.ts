import fp from 'fastify-plugin'
import { Redis } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis
  }
}

/** The Redis client. Tuned to fail fast while Redis is away and to reconnect on its own. */
export default fp(
  async (app) => {
    const { REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, DEPENDENCY_TIMEOUT_MS } = app.config
    const redis = new Redis({
      host: REDIS_HOST,
      port: REDIS_PORT,
      password: REDIS_PASSWORD,
      connectTimeout: DEPENDENCY_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      // Without this, commands issued while disconnected wait in a queue until Redis returns,
      // and requests hang instead of answering 503.
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    })

    // A frozen (SIGSTOPped) Redis keeps the socket open: only a command timeout notices. One
    // that times out means Redis is frozen or the connection is dead without having been closed
    // (a stopped container's address just stops answering). Drop the connection, so the
    // request's next command fails at once (no offline queue) instead of waiting out its own
    // timeout too: several such waits added up would pass nginx's read timeout. ioredis
    // reconnects in the background and is ready again as soon as Redis answers.
    // Timed here, not by ioredis's commandTimeout: timers run before the loop reads its sockets,
    // so after a stall of the event loop (a replica's first second on a busy host) a reply already
    // waiting in the socket counted as a timeout, and the dropped connection failed every request
    // until it was back (13 answers of 503 in a scale run). One more turn of the loop
    // (setImmediate runs after sockets are read) lets such a reply in first.
    const send = redis.sendCommand.bind(redis)
    redis.sendCommand = (command, stream) => {
      let settled = false
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (settled) return
            command.reject(new Error('Command timed out'))
            if (redis.status === 'ready') redis.disconnect(true)
          }),
        DEPENDENCY_TIMEOUT_MS,
      )
      const done = () => {
        settled = true
        clearTimeout(timer)
      }
      command.promise.then(done, done)
      return send(command, stream)
    }

    // ioredis emits 'error' on every failed reconnect; log transitions, not each retry.
    let lastError = ''
    redis.on('error', (err) => {
      if (err.message !== lastError) app.log.warn({ err }, 'redis unavailable')
      lastError = err.message
    })
    redis.on('ready', () => {
      if (lastError) app.log.info('redis reconnected')
      lastError = ''
    })

    // Wait (bounded) for the first connection, so a replica started next to a healthy Redis is
    // ready at once; one started while Redis is down still starts, and /ready says why.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DEPENDENCY_TIMEOUT_MS)
      redis.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })

    app.decorate('redis', redis)
    app.addHook('onClose', async () => {
      try {
        await redis.quit()
      } catch {
        redis.disconnect()
      }
    })
  },
  { name: 'redis', dependencies: ['config'] },
)
