import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { DependencyUnavailable } from '../errors.ts'
import { visitsSchemas as schemas } from '../schemas/visits.ts'

/**
 * A cookie session is load-modify-save: two requests of one session in flight at once would
 * each save their own copy and one increment would be lost. So the counter sits next to the
 * session, in one Redis hash keyed by the session id, changed atomically (a Lua script), and
 * expiring with the session.
 */
const visitsKey = (request: FastifyRequest) => `lab:visits:${request.session.sessionId}`
const SEEN = 'seen:'

/** KEYS: the session's visits hash, its idempotency record ('' without a key); ARGV: field, ttl. */
const INCREMENT_ONCE = `
if KEYS[2] == '' or redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], 'visits', 1)
  redis.call('HSET', KEYS[1], ARGV[1], '1')
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])`

function toVisits(hash: Record<string, string>, replica: string) {
  return {
    visits: Number(hash.visits ?? 0),
    replica,
    replicasSeen: Object.keys(hash)
      .filter((field) => field.startsWith(SEEN))
      .map((field) => field.slice(SEEN.length))
      .sort(),
  }
}

const visitsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const replica = app.config.REPLICA_ID
  const ttl = app.config.SESSION_TTL_SECONDS
  const storeDown = (err: unknown): never => {
    app.countSessionStoreError('visits')
    throw new DependencyUnavailable('session store', err)
  }

  app.post('/api/visits', { schema: schemas.count }, async (request, reply) => {
    const isNew = !request.session.get('createdBy')
    if (isNew) app.refuseNewSessionUnderOldCookie(request, reply)
    const key = visitsKey(request)
    const idempotencyKey = request.headers['idempotency-key']
    // One Lua script, so the increment and the record of its Idempotency-Key happen together
    // or not at all: a retry of a request that already counted (nginx retries keyed POSTs on
    // another replica when one dies mid-request) reads the count instead of adding to it.
    const flat = (await app.redis
      .eval(
        INCREMENT_ONCE,
        2,
        key,
        idempotencyKey ? `${key}:idem:${idempotencyKey}` : '',
        `${SEEN}${replica}`,
        ttl,
      )
      .catch(storeDown)) as string[]
    // Counted. A new session's count is reachable only through a saved session: not saved,
    // not counted (503). A known session's save only renews its expiry, and failing that must
    // not turn a counted visit into an error.
    if (isNew) request.session.set('createdBy', replica)
    if (!(await app.saveSessionNow(request, reply, 'last')) && isNew) {
      throw new DependencyUnavailable('session store', new Error('new session not saved'))
    }
    const hash: Record<string, string> = {}
    for (let i = 0; i < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string
    return toVisits(hash, replica)
  })

  app.get('/api/visits', { schema: schemas.get }, async (request) => {
    // A client without a stored session has no visits yet; no need to ask Redis.
    if (!request.session.get('createdBy')) return toVisits({}, replica)
    const hash = await app.redis.hgetall(visitsKey(request)).catch(storeDown)
    return toVisits(hash, replica)
  })
}

export default visitsRoutes
