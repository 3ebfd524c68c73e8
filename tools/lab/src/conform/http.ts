// HTTP for the checks: every request bounded, a network error an answer of status 0 (with its
// cause), and a cookie jar for the stories that are one user's session.
import { setTimeout as sleep } from 'node:timers/promises'

export interface Answer {
  status: number
  /** The replica that answered (X-Replica), if one did. */
  replica: string | null
  headers: Headers
  body: string
  /** The body as JSON, or undefined. */
  json: Record<string, unknown> | undefined
  /** For status 0: why there was no answer. */
  error?: string
}

/** Cookies as a browser keeps them for one site: name to value, the last Set-Cookie winning. */
export class Jar {
  private readonly cookies = new Map<string, string>()
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  take(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const name = pair.slice(0, pair.indexOf('='))
      const value = pair.slice(pair.indexOf('=') + 1)
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
}

export async function request(
  url: string,
  init: RequestInit & { jar?: Jar; timeoutMs?: number } = {},
): Promise<Answer> {
  const { jar, timeoutMs = 10_000, ...rest } = init
  const headers = new Headers(rest.headers)
  if (jar?.header()) headers.set('cookie', jar.header())
  try {
    const response = await fetch(url, { ...rest, headers, signal: AbortSignal.timeout(timeoutMs) })
    const body = await response.text()
    jar?.take(response.headers)
    let json: Record<string, unknown> | undefined
    try {
      json = JSON.parse(body)
    } catch {
      json = undefined
    }
    return {
      status: response.status,
      replica: response.headers.get('x-replica'),
      headers: response.headers,
      body,
      json,
    }
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const error = cause?.code ?? cause?.message ?? (err as Error).message
    return { status: 0, replica: null, headers: new Headers(), body: '', json: undefined, error }
  }
}

/** "201", or "0 (ECONNRESET)", or "503: not ready: ...": an answer in a line of evidence. */
export function describe(answer: Answer): string {
  if (answer.status === 0)
    return answer.error === 'UND_ERR_SOCKET'
      ? 'no answer (the connection closed under the request)'
      : `no answer (${answer.error})`
  const message = answer.json?.message
  return typeof message === 'string' ? `${answer.status} (${message})` : String(answer.status)
}

/** Polls `probe` until it returns a value (not undefined), for at most `ms`; undefined if it never did. */
export async function until<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await sleep(200)
  }
  return undefined
}
