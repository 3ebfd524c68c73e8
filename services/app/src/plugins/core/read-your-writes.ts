import cookie, { Signer } from '@fastify/cookie'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** The primary's WAL position after this client's last write (or WRITE_PENDING), from its cookie. */
    lastWrite: string | undefined
  }
  interface FastifyReply {
    /** Hands the client its write's position: its reads wait for the standby to replay it. */
    rememberWrite(position: string): void
  }
}

/** A WAL position as Postgres writes it (0/3000148), or the marker of a write whose outcome is unknown. */
const POSITION = /^(?:pending|[0-9A-F]{1,8}\/[0-9A-F]{1,8})$/

/**
 * Read-your-writes without a session: after a write, the replica gives its writer a signed
 * cookie holding the primary's WAL position (WRITE_PENDING when the write's outcome is unknown);
 * that client's reads go to the standby only once it has replayed that far (db.ts). The cookie
 * lives READ_YOUR_WRITES_SECONDS, longer than the standby should ever lag, and no store keeps
 * anything: a write needs neither Redis nor a session, so a client's writes cost Redis nothing
 * and keep working when Redis is down or full. The cookie is the session cookie's name plus
 * `_rw`, so each app (`/`, `/py/`) has its own.
 */
export default fp(
  async (app) => {
    const { SESSION_COOKIE_NAME, SESSION_SECRET, READ_YOUR_WRITES_SECONDS } = app.config
    const name = `${SESSION_COOKIE_NAME}_rw`
    const signer = new Signer(SESSION_SECRET)
    await app.register(cookie)
    app.decorateRequest('lastWrite', undefined)
    app.addHook('onRequest', async (request, reply) => {
      if (app.config.READ_YOUR_WRITES === 'off') return // lab-only
      const value = request.cookies[name]
      if (!value) return
      const { valid, value: position } = signer.unsign(value)
      if (valid && position && POSITION.test(position)) request.lastWrite = position
      // Forged or mangled: it could only steer reads, so it is dropped rather than refused.
      else reply.clearCookie(name, { path: '/' })
    })
    app.decorateReply('rememberWrite', function (position: string) {
      this.setCookie(name, signer.sign(position), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        // Secure when the request came over HTTPS (nginx's X-Forwarded-Proto, trusted proxy only).
        secure: 'auto',
        maxAge: READ_YOUR_WRITES_SECONDS,
      })
    })
  },
  { name: 'read-your-writes', dependencies: ['config'] },
)
