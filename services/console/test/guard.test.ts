import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import type { ConsoleConfig } from '../src/config.ts'
import { refusal } from '../src/guard.ts'

const config: ConsoleConfig = {
  host: '127.0.0.1',
  port: 9700,
  syslogPort: 9701,
  stateFile: '/dev/null',
  target: 'http://127.0.0.1:8080',
  trustProxy: '127.0.0.1',
  localClients: ['127.0.0.1'],
  origins: ['https://127.0.0.1:8443'],
  token: undefined,
  composeProject: undefined,
}
const CONTROL = { 'content-type': 'application/json', 'x-lab-console': '1' }

/** A request as nginx passes it on: from nginx's address, the client in X-Real-IP. */
const through = (client: string, method: string, headers: Record<string, string> = {}) =>
  ({
    method,
    socket: { remoteAddress: '127.0.0.1' },
    headers: { 'x-real-ip': client, ...headers },
  }) as unknown as IncomingMessage

test('this machine may read and control; another client may not, whatever it says it is', () => {
  assert.equal(refusal(through('127.0.0.1', 'GET'), config), undefined)
  assert.equal(refusal(through('127.0.0.1', 'POST', CONTROL), config), undefined)
  assert.equal(refusal(through('192.0.2.7', 'GET'), config)?.[0], 403)
  // X-Real-IP counts from nginx only: a client elsewhere reaching the console cannot claim it.
  const direct = {
    method: 'GET',
    socket: { remoteAddress: '192.0.2.7' },
    headers: { 'x-real-ip': '127.0.0.1' },
  } as unknown as IncomingMessage
  assert.equal(refusal(direct, config)?.[0], 403)
})

test('with CONSOLE_TOKEN, a client elsewhere that shows it is let in; a wrong one is not', () => {
  const withToken = { ...config, token: 'a-long-enough-lab-token' }
  const bearer = (token: string) => ({ ...CONTROL, authorization: `Bearer ${token}` })
  assert.equal(refusal(through('192.0.2.7', 'POST', bearer('a-long-enough-lab-token')), withToken), undefined)
  assert.equal(refusal(through('192.0.2.7', 'POST', bearer('a-long-enough-lab-tokeN')), withToken)?.[0], 403)
  assert.equal(refusal(through('192.0.2.7', 'POST', bearer('short')), withToken)?.[0], 403)
})
