import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { ConsoleConfig } from './config.ts'

/**
 * Who may use the console. The console can start load and break replicas, so:
 * - only this machine (CONSOLE_LOCAL_CLIENTS, as nginx reports the client in X-Real-IP), or a
 *   client that shows CONSOLE_TOKEN when the lab was given one;
 * - a control request (anything but GET) must come from the page itself: a JSON body, the
 *   X-Lab-Console header (a cross-site page cannot send it without a CORS preflight, which the
 *   console never answers), and, when the browser says, one of the lab's own origins.
 * Returns the refusal (status and message), or undefined when the request may go on.
 */
export function refusal(request: IncomingMessage, config: ConsoleConfig): [number, string] | undefined {
  const peer = request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? ''
  const forwarded = request.headers['x-real-ip']
  const client = peer === config.trustProxy && typeof forwarded === 'string' ? forwarded : peer
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
  const tokenOk =
    config.token !== undefined &&
    token !== undefined &&
    token.length === config.token.length &&
    timingSafeEqual(Buffer.from(token), Buffer.from(config.token))
  if (!config.localClients.includes(client) && !tokenOk) {
    return [
      403,
      `the console answers this machine only (client ${client}); see CONSOLE_TOKEN in .env.example`,
    ]
  }
  if (request.method === 'GET' || request.method === 'HEAD') return undefined
  const origin = request.headers.origin
  if (origin !== undefined && !config.origins.includes(origin))
    return [403, `origin ${origin} is not the lab's`]
  const site = request.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return [403, `a ${site} request cannot control the lab`]
  if (request.headers['x-lab-console'] !== '1')
    return [403, 'a control request needs the header X-Lab-Console: 1']
  return undefined
}
