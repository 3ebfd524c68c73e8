import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { connect as netConnect } from 'node:net'
import { promisify } from 'node:util'
import { devCertificate } from '../../tools/lab/src/paths.ts'
import { DOCKER_FRONTEND_HOSTS, dockerAddress } from '../../tools/lab/src/topology.ts'
import { env, MODE } from './stack.ts'

export const HTTP = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
export const HTTPS = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}`
/** The lab's self-signed certificate, trusted explicitly, as a user would with curl --cacert. */
export const labCa = () => readFileSync(devCertificate(MODE))

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * One request without fetch's conveniences: a chosen source address (127.0.0.2 and up are
 * other "clients" to nginx), any header (including a spoofed X-Forwarded-For), the lab's CA.
 */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
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
        localAddress: options.from,
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

/** Writes bytes as they are (no HTTP client would send a bare CR in a header) and reads the status line. */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write(bytes))
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
}

/** Sends requests one after another from `address` (in this process or, in Docker mode, not). */
const SEQUENCE = `
const http = await import('node:http')
const [base, address, list] = process.argv.slice(-3)
const out = []
for (const r of JSON.parse(list)) {
  if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs))
  out.push(await new Promise((resolve, reject) => {
    const req = http.request(base + r.path, { method: r.method ?? 'GET', headers: r.headers, localAddress: address || undefined, agent: false, timeout: 10000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  }))
}
console.log(JSON.stringify(out))
`

/**
 * Requests from another client than this machine's tests (which nginx exempts from its rate
 * limits): natively from another loopback address (127.0.0.<n>); in Docker mode from a container
 * on the frontend network, whose address nginx sees (this machine's own requests all arrive from
 * the network's gateway). Sequential; resolves with every response.
 */
export async function fromOtherClient(n: number, requests: ClientRequest[]): Promise<RawResponse[]> {
  if (MODE === 'native') {
    const out: RawResponse[] = []
    for (const r of requests) {
      if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs))
      out.push(await request(`${HTTP}${r.path}`, { ...r, from: `127.0.0.${n}` }))
    }
    return out
  }
  // Client n at .10n: a fixed address of its own, as 127.0.0.n is natively (below .128, where
  // Docker hands out none), so one story's rate-limit state never carries over to the next.
  const frontend = env.get('DOCKER_FRONTEND_NET')
  const nginx = dockerAddress(frontend, DOCKER_FRONTEND_HOSTS.nginx)
  const network = ['--network', 'lb-lab_frontend', '--ip', dockerAddress(frontend, 100 + n)]
  const { stdout } = await promisify(execFile)(
    'docker',
    [
      'run',
      '--rm',
      ...network,
      '--entrypoint',
      'node',
      'lb-lab/app:dev',
      '--input-type=module',
      '-e',
      SEQUENCE,
      `http://${nginx}:8080`,
      '',
      JSON.stringify(requests),
    ],
    { timeout: 60_000 },
  )
  return JSON.parse(stdout)
}
