import { spawn } from 'node:child_process'
import { createConnection, createServer } from 'node:net'

/** True when nothing listens on 127.0.0.1:port (binding tells, a connect attempt would not). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`

/** AUTH + PING in RESP; true on +PONG. A few lines instead of a Redis client in the lab. */
export function redisPing(port: number, password: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    let reply = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write(`*2\r\n${bulk('AUTH')}${bulk(password)}*1\r\n${bulk('PING')}`))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('+PONG')) done(true)
      else if (reply.includes('-')) done(false)
    })
  })
}

/** Runs a command to completion; resolves with its exit code and combined output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}
