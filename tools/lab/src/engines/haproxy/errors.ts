// HAProxy's own error answers, as whole HTTP responses (errorfile): the same {error, message}
// bodies as nginx's (nginx/snippets/json-errors.conf), with the security headers, for every
// status HAProxy can generate itself. An error of the request's parsing is answered before any
// rule runs, so these files are the only way to shape it.

/** status: [reason, message, extra headers] */
const ERRORS: Record<number, [string, string, Record<string, string>?]> = {
  400: ['Bad Request', 'malformed request'],
  403: ['Forbidden', 'forbidden'],
  404: ['Not Found', 'not here'],
  405: ['Method Not Allowed', 'only GET, HEAD and POST are served here', { Allow: 'GET, HEAD, POST' }],
  408: ['Request Timeout', 'request not received in time'],
  413: ['Payload Too Large', 'request body too large'],
  414: ['URI Too Long', 'request line too long'],
  429: ['Too Many Requests', 'rate limit exceeded; retry after 1 s', { 'Retry-After': '1' }],
  431: ['Request Header Fields Too Large', 'request headers too large'],
  500: ['Internal Server Error', 'internal error'],
  501: ['Not Implemented', 'transfer encoding not supported'],
  502: ['Bad Gateway', 'no replica answered'],
  503: ['Service Unavailable', 'try again shortly'],
  504: ['Gateway Timeout', 'no replica answered in time'],
}

/** The headers every answer carries (nginx/snippets/security-headers.conf), HSTS aside. */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
}

/** File name to content, and the config lines that use them from `dir`. */
export function errorFiles(dir: string): { files: Map<string, string>; lines: string } {
  const files = new Map<string, string>()
  const lines: string[] = []
  for (const [status, [reason, message, extra]] of Object.entries(ERRORS)) {
    const body = `${JSON.stringify({ error: reason, message })}\n`
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-cache',
      ...SECURITY_HEADERS,
      ...extra,
    }
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
    files.set(`error-${status}.http`, `HTTP/1.1 ${status} ${reason}\r\n${head.join('')}\r\n${body}`)
    lines.push(`  errorfile ${status} ${dir}/error-${status}.http`)
  }
  return { files, lines: lines.join('\n') }
}
