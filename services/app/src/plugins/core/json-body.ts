import fp from 'fastify-plugin'
import { parseJsonBody } from '../../json-body.ts'

/**
 * JSON bodies under the contract's input policy (contract/README.md) instead of Fastify's
 * parser, which decodes invalid UTF-8 to U+FFFD, ignores the charset and keeps the last of
 * duplicate keys. Any other media type stays a 415 (app.ts removes the text/plain parser).
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      try {
        done(null, parseJsonBody(request.headers['content-type'] ?? '', body as Buffer))
      } catch (err) {
        done(err as Error, undefined)
      }
    })
  },
  { name: 'json-body' },
)
