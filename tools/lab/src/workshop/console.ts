// The lab console, asked from this machine as the page asks it: through the balancer, over TLS
// with the lab's own certificate. Best effort: a console that does not answer is no error of the
// workshop's (undefined), since what it shows is a view, not the record.
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import type { LabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import { devCertificate } from '../paths.ts'

export function askConsole(env: LabEnv, mode: Mode, path: string, body?: unknown): Promise<unknown> {
  let ca: Buffer
  try {
    ca = readFileSync(devCertificate(mode))
  } catch {
    return Promise.resolve(undefined)
  }
  const url = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}/console/api/${path}`
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve) => {
    const sent = request(
      url,
      {
        ca,
        timeout: 3000,
        method: payload === undefined ? 'GET' : 'POST',
        // The header the console asks of a control request (services/console/src/guard.ts).
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'x-lab-console': '1' },
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => {
          try {
            resolve(response.statusCode === 200 ? JSON.parse(text) : undefined)
          } catch {
            resolve(undefined)
          }
        })
      },
    )
    sent.on('timeout', () => sent.destroy())
    sent.on('error', () => resolve(undefined))
    sent.end(payload)
  })
}
