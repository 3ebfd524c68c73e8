// An engine's runtime API on its Unix socket (HAProxy's `stats socket`), natively: commands in,
// its answer out, one connection, bounded.
import { createConnection } from 'node:net'

/** Sends `commands` (one line, `;` between them); resolves with what the engine answered. */
export function runtimeApi(path: string, commands: string[], timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = createConnection(path, () => socket.end(`${commands.join(';')}\n`))
    socket.setEncoding('utf8')
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${path}: no answer within ${timeoutMs} ms`)))
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(answer.trim()))
  })
}
