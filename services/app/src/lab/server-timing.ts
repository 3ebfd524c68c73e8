import type { FastifyReply } from 'fastify'

/**
 * Adds one entry to the response's Server-Timing header (W3C Server Timing): where a request's
 * time went, readable by any client and shown by browsers' developer tools. The lab's
 * instruments say what they added (an injected fault's wait, the wait for a work slot), so a test
 * or a student reads it off the answer instead of inferring it from a stopwatch.
 */
export function addServerTiming(reply: FastifyReply, name: string, ms: number): void {
  const entry = `${name};dur=${Math.round(ms)}`
  const before = reply.getHeader('server-timing')
  reply.header('server-timing', before ? `${before}, ${entry}` : entry)
}
