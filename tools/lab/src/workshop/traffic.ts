// `make traffic`: requests through the balancer, as a person would send them with curl in a loop,
// summed up per replica (share, statuses, median and p95). Each run is also written down
// (runs.ts), with what the console said the balancer was doing, for a lesson's checkpoint to
// read: the observation is the student's own traffic, not a request the check makes for them.
import { readFileSync } from 'node:fs'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import type { LabEnv } from '../env.ts'
import type { Mode } from '../mode.ts'
import { devCertificate } from '../paths.ts'
import { type Answer, type Run, recordRun, runningStrategy } from './runs.ts'

/** Bounds: a lesson's traffic is a short, polite stream, never a load test. */
const LIMITS = { n: 5000, c: 32, rate: 500, visitors: 32 }
/** At a rate, the most requests waiting for an answer at once (the rest wait their turn). */
const MAX_IN_FLIGHT = 1000

const until = (due: number) => {
  const wait = due - Date.now()
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve()
}

export interface TrafficOptions {
  path: string
  method: 'GET' | 'POST'
  n: number
  c: number
  /** Requests per second, each sent when due whatever the answers' pace; 0: as fast as `c` allows. */
  rate: number
  /**
   * Visitors, each with a cookie jar kept across its requests (a browser's), one request after
   * another, POST /api/visits by default; the n requests are shared among them. 0: none (each of
   * the `c` lanes still keeps the cookies it is given, as one client's connection would).
   */
  visitors: number
  /** Each request writes a note (POST path, /api/notes by default) and reads it back at once. */
  notes: boolean
  /**
   * To the balancer's HTTPS port, trusting the lab's certificate: where a browser goes for the
   * console and /static/ (plain HTTP redirects those there).
   */
  https: boolean
}

const USAGE =
  'traffic: path=/api/whoami n=200 c=4 rate=0 method=GET|POST visitors=0 notes=0 https=0 (n<=5000, c and visitors<=32, rate<=500 per second)'

export function parseTraffic(args: string[]): TrafficOptions {
  const given = new Map<string, string>()
  for (const arg of args) {
    const at = arg.indexOf('=')
    const [key, value] = at < 0 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)]
    if (
      !key ||
      value === undefined ||
      !['path', 'n', 'c', 'rate', 'method', 'visitors', 'notes', 'https'].includes(key)
    )
      throw new Error(`${USAGE}; not ${arg}`)
    given.set(key, value)
  }
  const count = (key: keyof typeof LIMITS, fallback: number) => {
    const value = Number(given.get(key) ?? fallback)
    if (
      !Number.isInteger(value) ||
      value < (key === 'rate' || key === 'visitors' ? 0 : 1) ||
      value > LIMITS[key]
    )
      throw new Error(`${USAGE}; not ${key}=${given.get(key)}`)
    return value
  }
  const visitors = count('visitors', 0)
  const notes = given.get('notes') === '1'
  const path = given.get('path') ?? (visitors ? '/api/visits' : notes ? '/api/notes' : '/api/whoami')
  if (!/^\/[\w\-./?=&%]*$/.test(path)) throw new Error(`${USAGE}; a path from the root, not ${path}`)
  const method = (given.get('method') ?? (visitors || notes ? 'POST' : 'GET')).toUpperCase()
  if (method !== 'GET' && method !== 'POST') throw new Error(`${USAGE}; not method=${method}`)
  if (notes && (method !== 'POST' || visitors))
    throw new Error(`${USAGE}; notes=1 writes with POST, without visitors`)
  const https = given.get('https') === '1'
  return {
    path,
    method,
    n: count('n', 200),
    c: count('c', 4),
    rate: count('rate', 0),
    visitors,
    notes,
    https,
  }
}

/** A browser's cookies for the lab's origin: every cookie a replica set, sent back on each request. */
type Jar = Map<string, string>

async function call(base: string, method: string, path: string, jar: Jar, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(jar.size ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    // A redirect is the answer (plain HTTP sends /static/ and the console to HTTPS), as curl counts it.
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  })
  // Cut once its answer began: the request was read, so it is never sent again (wasReset).
  const text = await response.text().catch((err: Error) => {
    throw Object.assign(err, { answerBegan: true })
  })
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';')
    const at = pair.indexOf('=')
    if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1))
  }
  return { response, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown> }
}

/** Why a request had no answer: fetch's own error is a bare "fetch failed"; its cause names the socket's fate. */
function whyNoAnswer(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  if (cause?.code) return cause.message ? `${cause.code}: ${cause.message}` : cause.code
  return (err as Error).name === 'TimeoutError'
    ? 'no answer within 30 s'
    : String((err as Error).message ?? err)
}

/**
 * A kept-alive connection the balancer closed as this request went out on it (a reload closes
 * its idle connections): the request was never read, and browsers and curl send it again on a
 * new connection, as HAProxy's docs ask of any client (option idle-close-on-response).
 */
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])
const wasReset = (err: unknown) => {
  const { cause, answerBegan } = err as { cause?: { code?: string }; answerBegan?: boolean }
  return !answerBegan && RESET.has(cause?.code ?? '')
}

/** Milliseconds to a tenth: a static file from the balancer takes two or three, and the difference counts. */
const tenths = (ms: number) => Math.round(ms * 10) / 10

export async function send(
  base: string,
  options: TrafficOptions,
  jar: Jar,
  i: number,
  began: number,
  resentAfter?: string,
): Promise<Answer> {
  const started = performance.now()
  const sent = Date.now() - began
  try {
    const body = options.notes
      ? { text: `make traffic note ${i}` }
      : options.method === 'POST'
        ? {}
        : undefined
    const { response, body: answered } = await call(base, options.method, options.path, jar, body)
    const answer: Answer = {
      status: response.status,
      replica: response.headers.get('x-replica'),
      sent,
      ms: tenths(performance.now() - started),
      ...(resentAfter ? { resentAfter } : {}),
    }
    if (typeof answered.visits === 'number') answer.visits = answered.visits
    // A note written: read back at once, as the page that wrote it would show it.
    if (options.notes && response.status === 201) {
      const read = await call(base, 'GET', `${options.path}/${answered.id}`, jar).catch(() => undefined)
      answer.readBack = read?.response.status ?? 0
    }
    return answer
  } catch (err) {
    // Once only: a second reset is the balancer's failure, not a race with its reload.
    if (!resentAfter && wasReset(err)) return send(base, options, jar, i, began, whyNoAnswer(err))
    // No answer at all (refused, reset, timed out): what a client of a cut connection sees.
    return {
      status: 0,
      replica: null,
      sent,
      ms: tenths(performance.now() - started),
      error: whyNoAnswer(err),
    }
  }
}

/** The balancer's HTTPS port, its self-signed certificate trusted by this process's requests from now on. */
function trustLabCertificate(env: LabEnv, mode: Mode): number {
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(devCertificate(mode), 'utf8')])
  return env.port('NGINX_HTTPS_PORT')
}

export async function traffic(env: LabEnv, mode: Mode, options: TrafficOptions): Promise<Run> {
  const base = options.https
    ? `https://127.0.0.1:${trustLabCertificate(env, mode)}`
    : `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
  const strategy = await runningStrategy(env, mode)
  const answers: Answer[] = []
  const began = Date.now()
  let sent = 0
  // A lane is a connection's worth of requests, or with visitors a visitor (one request at a time).
  const lane = async (visitor: number): Promise<void> => {
    const jar: Jar = new Map()
    while (sent < options.n) {
      const i = sent++
      if (options.rate) await until(began + (i * 1000) / options.rate)
      const answer = await send(base, options, jar, i, began)
      answers.push(options.visitors ? { ...answer, visitor } : answer)
    }
  }
  // At a rate, without visitors: an open loop, each request sent when due however slow the answers
  // (as many clients would), so an overloaded stack is seen as its clients see it.
  const openLoop = async (): Promise<void> => {
    const inFlight = new Set<Promise<void>>()
    for (let i = 0; i < options.n; i++) {
      await until(began + (i * 1000) / options.rate)
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
      const request: Promise<void> = send(base, options, new Map(), i, began)
        .then((answer) => {
          answers.push(answer)
        })
        .finally(() => inFlight.delete(request))
      inFlight.add(request)
    }
    await Promise.all(inFlight)
  }
  if (options.rate && !options.visitors) await openLoop()
  else await Promise.all(Array.from({ length: options.visitors || options.c }, (_, visitor) => lane(visitor)))
  const run: Run = {
    at: began,
    seconds: (Date.now() - began) / 1000,
    ...options,
    strategy,
    answers,
  }
  recordRun(run)
  return run
}
