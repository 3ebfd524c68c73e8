import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { DependencyUnavailable } from '../errors.ts'

const Visits = Type.Object({
  visits: Type.Integer(),
  replica: Type.String(),
  replicasSeen: Type.Array(Type.String()),
})

/**
 * A cookie session is load-modify-save: two requests of one session in flight at once would
 * each save their own copy and one increment would be lost. So the counter sits next to the
 * session, in one Redis hash keyed by the session id, changed with atomic commands (HINCRBY,
 * HSET) in a MULTI, and expiring with the session.
 */
const visitsKey = (request: FastifyRequest) => `lab:visits:${request.session.sessionId}`
const SEEN = 'seen:'

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

  app.post('/api/visits', { schema: { response: { 200: Visits } } }, async (request) => {
    const key = visitsKey(request)
    const results = await app.redis
      .multi()
      .hincrby(key, 'visits', 1)
      .hset(key, `${SEEN}${replica}`, '1')
      .expire(key, ttl)
      .hgetall(key)
      .exec()
      .catch(storeDown)
    const [err, hash] = results?.at(-1) ?? [new Error('empty MULTI reply'), null]
    if (err) storeDown(err)
    // Only now, with Redis known to answer, change the session: that makes it worth saving
    // (saveUninitialized is off), and a failed request never leaves a save to fail again.
    if (!request.session.get('createdBy')) request.session.set('createdBy', replica)
    return toVisits(hash as Record<string, string>, replica)
  })

  app.get('/api/visits', { schema: { response: { 200: Visits } } }, async (request) => {
    // A client without a stored session has no visits yet; no need to ask Redis.
    if (!request.session.get('createdBy')) return toVisits({}, replica)
    const hash = await app.redis.hgetall(visitsKey(request)).catch(storeDown)
    return toVisits(hash, replica)
  })
}

export default visitsRoutes
