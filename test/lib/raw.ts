import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { connect as netConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { promisify } from 'node:util'
import { devCertificate } from '../../tools/lab/src/paths.ts'
import { DOCKER_FRONTEND_HOSTS, dockerAddress } from '../../tools/lab/src/topology.ts'
import { ENGINE, env, MODE } from './stack.ts'

export const HTTP = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
export const HTTPS = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}`
/** The lab's self-signed certificate, trusted explicitly, as a user would with curl --cacert. */
export const labCa = () => readFileSync(devCertificate(MODE))

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A response to another client's request (fromOtherClient), with when it was sent. */
export interface TimedResponse extends RawResponse {
  /** Milliseconds from the first request's sending to this one's, by the sending client's clock. */
  sentAt: number
}

/**
 * One request without fetch's conveniences: any header (including a spoofed X-Forwarded-For),
 * the path exactly as written, the lab's CA.
 */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        hostname: target.hostname,
        port: target.port,
        // The path exactly as written: URL would normalise %2e%2e and the like before sending.
        path: url.slice(target.origin.length) || '/',
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(target.protocol === 'https:' ? { ca: labCa() } : {}),
        timeout: 10_000,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.end(options.body)
  })
}

/** The headers nginx adds to every response it sends, its own errors included (snippets/). */
export function assertSecurityHeaders(response: RawResponse, what: string): void {
  const expected = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  }
  for (const [name, value] of Object.entries(expected))
    assert.equal(response.headers[name], value, `${what}: ${name}`)
  assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, what)
  assert.equal(response.headers['x-powered-by'], undefined, what)
  // The balancer's name and no version, whoever made the answer.
  assert.equal(response.headers.server, ENGINE, `${what}: server header without a version`)
}

/** A raw HTTP/1.1 answer (rawExchange's) as a response: status, lower-case headers, body. */
export function parseRaw(reply: string): RawResponse {
  const [head = '', ...rest] = reply.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: http.IncomingHttpHeaders = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') }
}

/**
 * Writes bytes as they are (no HTTP client would send a bare CR in a header, or a control
 * character) and reads all of the answer; `tls` for nginx's HTTPS port (the lab's CA trusted).
 */
export function rawExchange(port: number, bytes: string | Buffer, tls = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ca: labCa() }, () =>
          socket.write(bytes),
        )
      : netConnect(port, '127.0.0.1', () => socket.write(bytes))
    let reply = ''
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply')))
    socket.on('data', (chunk) => {
      reply += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(reply))
  })
}

export interface ClientRequest {
  path: string
  method?: string
  headers?: Record<string, string>
  /** Wait this long before sending (to stay under a rate). */
  delayMs?: number
  /** To nginx's HTTPS port (its self-signed certificate not checked) instead of HTTP. */
  tls?: boolean
}

// Scripts run as another client (asOtherClient): argv ends with nginx's host and port, the
// address to send from (empty: the container's own), then the script's own arguments.

/** Sends requests one after another; prints every response, with when it was sent. */
const SEQUENCE = `
const http = await import('node:http')
const https = await import('node:https')
const [host, port, address, list] = process.argv.slice(-4)
const out = []
let first
for (const r of JSON.parse(list)) {
  if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs))
  first ??= performance.now()
  const sentAt = Math.round(performance.now() - first)
  out.push(await new Promise((resolve, reject) => {
    const client = r.tls ? https : http
    const req = client.request({ host, port: r.tls ? r.tlsPort : port, path: r.path, method: r.method ?? 'GET', headers: r.headers, localAddress: address || undefined, agent: false, timeout: 10000, rejectUnauthorized: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, sentAt }))
    })
    req.on('error', reject)
    req.end()
  }))
}
console.log(JSON.stringify(out))
`

/**
 * Opens `count` connections, one every `spacingMs`, each sending a request's headers and the
 * first of its 10 body bytes, then nothing more: a slow client. Holds them all until `holdMs`
 * after the last one opened; prints the status each got meanwhile (0: none, still waiting).
 */
const SLOW_BODIES = `
const net = await import('node:net')
const [host, port, address, count, spacingMs, holdMs] = process.argv.slice(-6)
const head = 'GET /api/whoami HTTP/1.1\\r\\nHost: lab\\r\\nContent-Length: 10\\r\\n\\r\\n{'
const sockets = []
for (let i = 0; i < Number(count); i++) {
  const socket = net.connect({ host, port: Number(port), localAddress: address || undefined })
  socket.reply = ''
  socket.on('connect', () => socket.write(head))
  socket.on('data', (chunk) => { socket.reply += chunk })
  socket.on('error', () => {})
  sockets.push(socket)
  await new Promise((resolve) => setTimeout(resolve, Number(spacingMs)))
}
await new Promise((resolve) => setTimeout(resolve, Number(holdMs)))
console.log(JSON.stringify(sockets.map((s) => Number(/^HTTP\\/1\\.1 (\\d{3})/.exec(s.reply)?.[1] ?? 0))))
for (const socket of sockets) socket.destroy()
`

/**
 * Runs a script above as another client than this machine's tests (which nginx exempts from
 * its rate limits): natively a process sending from another loopback address (127.0.0.<n>); in
 * Docker mode a container on the frontend network, whose address nginx sees (this machine's
 * own requests all arrive from the network's gateway). Resolves with what the script prints.
 */
async function asOtherClient(n: number, script: string, args: string[]): Promise<unknown> {
  const run = (command: string, argv: string[]) =>
    promisify(execFile)(command, argv, { timeout: 60_000 }).then(({ stdout }) => JSON.parse(stdout))
  if (MODE === 'native') {
    const nginx = ['127.0.0.1', String(env.port('NGINX_HTTP_PORT')), `127.0.0.${n}`]
    return run(process.execPath, ['--input-type=module', '-e', script, ...nginx, ...args])
  }
  // Client n at .10n: a fixed address of its own, as 127.0.0.n is natively (below .128, where
  // Docker hands out none), so one story's rate-limit state never carries over to the next.
  const frontend = env.get('DOCKER_FRONTEND_NET')
  const nginx = [dockerAddress(frontend, DOCKER_FRONTEND_HOSTS.nginx), '8080', '']
  const network = ['--network', 'lb-lab_frontend', '--ip', dockerAddress(frontend, 100 + n)]
  return run('docker', [
    'run',
    '--rm',
    ...network,
    '--entrypoint',
    'node',
    'lb-lab/app:dev',
    '--input-type=module',
    '-e',
    script,
    ...nginx,
    ...args,
  ])
}

/** Requests sent one after another by another client (asOtherClient); every response. */
export async function fromOtherClient(n: number, requests: ClientRequest[]): Promise<TimedResponse[]> {
  // nginx's HTTPS port where the other client sends from: published natively, 8443 in its network.
  const tlsPort = MODE === 'native' ? env.port('NGINX_HTTPS_PORT') : 8443
  const list = requests.map((r) => ({ ...r, tlsPort }))
  return (await asOtherClient(n, SEQUENCE, [JSON.stringify(list)])) as TimedResponse[]
}

/**
 * How many of `responses` nginx's limit_req (rate a second, burst, nodelay) can have let through,
 * at most, over the span they were sent in: the burst and the first, plus what the rate refills
 * meanwhile (plus one for rounding). The bound follows the sending client's own clock, so a slow
 * machine that spreads the requests out raises it instead of failing the test.
 */
export function limitAllows(responses: TimedResponse[], ratePerSecond: number, burst: number): number {
  const spanMs = (responses.at(-1)?.sentAt ?? 0) - (responses[0]?.sentAt ?? 0)
  return burst + 1 + Math.ceil((ratePerSecond * spanMs) / 1000) + 1
}

/** Slow clients from another client's address (SLOW_BODIES): the status each connection got. */
export async function slowBodiesFromOtherClient(
  n: number,
  count: number,
  spacingMs: number,
  holdMs: number,
): Promise<number[]> {
  return (await asOtherClient(n, SLOW_BODIES, [String(count), String(spacingMs), String(holdMs)])) as number[]
}
