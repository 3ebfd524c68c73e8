import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { connect as netConnect } from 'node:net'
import { devCertificate } from '../../tools/lab/src/paths.ts'
import { env } from './stack.ts'

export const HTTP = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
export const HTTPS = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}`
/** The lab's self-signed certificate, trusted explicitly, as a user would with curl --cacert. */
export const labCa = () => readFileSync(devCertificate())

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
