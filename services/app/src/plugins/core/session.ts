import cookie, { type CookieSerializeOptions, Signer } from '@fastify/cookie'
import session, { type FastifySessionObject, type FastifySessionOptions } from '@fastify/session'
// connect-redis 9 and 10 support only node-redis; 8.1 is the last line that accepts ioredis
// (it normalizes both clients), and @fastify/session works with its express-session Store API.
import { RedisStore } from 'connect-redis'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { DependencyUnavailable, httpError } from '../../errors.ts'
import { memorySessionStore } from '../../lab/anti-patterns.ts' // lab-only

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed Redis operation on session state (also by routes keeping state beside it). */
    countSessionStoreError(operation: string): void
    /**
     * Saves the request's session now and sets the cookie; true if saved. The session is then
     * not saved again after the handler: a route that has written data decides its answer
     * itself, and a session save failing after the write must not turn "written" into an error.
     * A save waits only if a Redis wait still fits in the deadline, except the request's `last`
     * one, which may run past it as the save after any handler does (the lab's timeout check
     * leaves room for exactly one).
     */
    saveSessionNow(request: FastifyRequest, reply: FastifyReply, last?: 'last'): Promise<boolean>
    /**
     * Before a route creates a session: refuses (400, the cookie cleared) a request that came
     * with a session cookie whose session is gone. nginx counts a request without the cookie as
     * one that makes a session (RATE_LIMIT_NEW_SESSIONS), and one with it as one that does not;
     * the replica must agree, or one stale cookie would mint sessions past that budget.
     */
    refuseNewSessionUnderOldCookie(request: FastifyRequest, reply: FastifyReply): void
  }
  interface Session {
    /** The replica that created the session. */
    createdBy?: string
  }
}

type Callback = (err?: unknown, data?: unknown) => unknown

/**
 * connect-redis reports Redis failures through its callbacks, which @fastify/session passes on
 * as plain errors (a 500). This store names the dependency (a 503) and counts each failure.
 */
class SessionStore extends RedisStore {
  onError: (operation: string) => void = () => {}

  private guard(operation: string, cb?: Callback): Callback {
    return (err, data) => {
      if (err) this.onError(operation)
      return cb?.(err ? new DependencyUnavailable('session store', err) : err, data)
    }
  }
  override get(sid: string, cb?: Callback) {
    return super.get(sid, this.guard('get', cb))
  }
  override set(sid: string, sess: Parameters<RedisStore['set']>[1], cb?: Callback) {
    return super.set(sid, sess, this.guard('set', cb))
  }
  override touch(sid: string, sess: Parameters<RedisStore['touch']>[1], cb?: Callback) {
    return super.touch(sid, sess, this.guard('touch', cb))
  }
  override destroy(sid: string, cb?: Callback) {
    return super.destroy(sid, this.guard('destroy', cb))
  }
}

export const SESSION_KEY_PREFIX = 'lab:sess:'

/**
 * Sessions in Redis, for the routes registered in the same scope (app.ts keeps /health and
 * /ready outside it, so a Redis outage never touches liveness).
 */
export default fp(
  async (app) => {
    const { SESSION_SECRET, SESSION_COOKIE_NAME, SESSION_TTL_SECONDS, DEPENDENCY_TIMEOUT_MS } = app.config
    const errors = new Counter({
      name: 'session_store_errors_total',
      help: 'Session store (Redis) operations that failed.',
      labelNames: ['operation'] as const,
      registers: [app.metricsRegistry],
    })
    const store = new SessionStore({
      client: app.redis,
      prefix: SESSION_KEY_PREFIX,
      ttl: SESSION_TTL_SECONDS,
    })
    app.decorate('countSessionStoreError', (operation: string) => errors.inc({ operation }))
    store.onError = app.countSessionStoreError
    // Series exist from the start at 0, so dashboards and alerts see "no errors", not "no data".
    for (const operation of ['get', 'set', 'touch', 'destroy', 'visits', 'ping']) errors.inc({ operation }, 0)

    // One signer for both checks below; it also accepts an array, for rotating secrets.
    const signer = new Signer(SESSION_SECRET)
    await app.register(cookie)

    // @fastify/session quietly starts a new session when a cookie's signature is wrong. A forged
    // or tampered cookie is a client error: say so, and clear it so a browser recovers.
    app.addHook('onRequest', async (request, reply) => {
      const value = request.cookies[SESSION_COOKIE_NAME]
      // An empty value is no cookie (what a cleared cookie leaves behind in simple clients).
      if (value && !signer.unsign(value).valid) {
        reply.clearCookie(SESSION_COOKIE_NAME, { path: '/' })
        throw httpError(400, 'invalid session cookie')
      }
    })

    app.decorate('refuseNewSessionUnderOldCookie', (request: FastifyRequest, reply: FastifyReply) => {
      const sent = request.cookies[SESSION_COOKIE_NAME]
      if (!sent || signer.unsign(sent).value === request.session.sessionId) return
      reply.clearCookie(SESSION_COOKIE_NAME, { path: '/' })
      throw httpError(400, 'session expired: send the request again without its cookie')
    })

    const settled = new WeakSet<FastifyRequest>()
    app.decorate('saveSessionNow', async (request: FastifyRequest, reply: FastifyReply, last?: 'last') => {
      settled.add(request)
      if (!last && !request.deadline.fits(DEPENDENCY_TIMEOUT_MS)) return false
      const current = request.session
      try {
        await current.save()
      } catch {
        return false // counted by the store
      }
      setSessionCookie(reply, current)
      return true
    })
    /** What @fastify/session's own hook sets (its Cookie class has toJSON; the types omit it). */
    const setSessionCookie = (reply: FastifyReply, current: FastifySessionObject) => {
      const options = (current.cookie as unknown as { toJSON(): CookieSerializeOptions }).toJSON()
      reply.setCookie(SESSION_COOKIE_NAME, current.encryptedSessionId, options)
    }
    // Added before @fastify/session's own onSend hook, so they run first: without a session,
    // that hook does nothing for a request whose route settled its session already, or whose
    // expiry was renewed here.
    app.addHook('onSend', async (request, reply) => {
      const current = request.session
      if (settled.has(request) || !current) {
        request.session = null as unknown as FastifySessionObject
        return
      }
      // No session object when loading it failed (Redis down: the answer is already the 503).
      if (typeof current.isModified !== 'function') return
      const sent = request.cookies[SESSION_COOKIE_NAME]
      if (current.isModified() || !sent || signer.unsign(sent).value !== current.sessionId) return
      // A stored session a request used but did not change: its expiry rolls on with EXPIRE, not
      // by writing the whole session again (@fastify/session's `rolling`), so that a reader keeps
      // reading when Redis is at its memory cap (it refuses SET there, never EXPIRE). A failed
      // renewal is counted, and the read answered all the same.
      current.touch()
      const renewed = await new Promise<boolean>((resolve) => {
        store.touch(current.sessionId, current as never, (err) => resolve(!err))
      })
      if (renewed) setSessionCookie(reply, current)
      request.session = null as unknown as FastifySessionObject
    })

    // Same callback API, typed by express-session on one side and @fastify/session on the other.
    let sessionStore = store as unknown as FastifySessionOptions['store']
    // The lab's anti-pattern switch SESSION_STORE=memory (lab/anti-patterns.ts).
    if (app.config.SESSION_STORE === 'memory') sessionStore = memorySessionStore() // lab-only
    await app.register(session, {
      secret: signer,
      cookieName: SESSION_COOKIE_NAME,
      store: sessionStore,
      // No Redis key for a client that never stores anything (load tests send many of those).
      saveUninitialized: false,
      // Renewed above, by EXPIRE.
      rolling: false,
      cookie: {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        // Secure when the request came over HTTPS (nginx's X-Forwarded-Proto, trusted proxy only).
        secure: 'auto',
        maxAge: SESSION_TTL_SECONDS * 1000,
      },
    })
  },
  { name: 'session', dependencies: ['config', 'redis', 'metrics'] },
)
