import { readFileSync } from 'node:fs'
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'
import { stripTypeScriptTypes } from 'node:module'
import type { Context } from './context.ts'
import { refusal } from './guard.ts'
import { parseLesson } from './lesson.ts'
import { parseLoad } from './load.ts'
import { snapshot } from './snapshot.ts'
import type { Snapshot } from './view.ts'

const page = new URL('../page/', import.meta.url)
// The page's TypeScript, types stripped once (Node's own stripper: no build step, no bundler).
const ASSETS: Record<string, () => [string, string]> = {
  '/console/': () => ['text/html; charset=utf-8', readFileSync(new URL('index.html', page), 'utf8')],
  '/console/console.css': () => [
    'text/css; charset=utf-8',
    readFileSync(new URL('console.css', page), 'utf8'),
  ],
  '/console/app.js': () => [
    'text/javascript; charset=utf-8',
    stripTypeScriptTypes(readFileSync(new URL('app.ts', page), 'utf8')),
  ],
  '/console/favicon.svg': () => ['image/svg+xml', readFileSync(new URL('favicon.svg', page), 'utf8')],
}
const cache = new Map<string, [string, string]>()

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
}
const problem = (response: ServerResponse, status: number, message: string) =>
  json(response, status, { error: STATUS_CODES[status] ?? 'Error', message })

/** A JSON request body (at most 16 KiB), or the answer already sent. */
async function body(request: IncomingMessage, response: ServerResponse): Promise<unknown | typeof NONE> {
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
    problem(response, 415, `Unsupported Media Type: ${request.headers['content-type'] ?? ''}`)
    return NONE
  }
  let text = ''
  for await (const chunk of request) {
    text += chunk
    if (text.length > 16_384) {
      problem(response, 413, 'body larger than 16 KiB')
      return NONE
    }
  }
  try {
    return JSON.parse(text)
  } catch {
    problem(response, 400, 'body is not valid JSON')
    return NONE
  }
}
const NONE = Symbol('answered')

/** Sends a snapshot every 500 ms, and at once when a replica's state changes. */
function events(request: IncomingMessage, response: ServerResponse, ctx: Context): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    // nginx must pass each event on as it comes, not buffer them.
    'x-accel-buffering': 'no',
  })
  // A dropped stream (the console restarting, the browser's network changing) comes back after
  // half a second, not the browser's default of about three.
  response.write('retry: 500\n\n')
  let last = 0
  const send = () => {
    const current: Snapshot = snapshot(ctx)
    last = Date.now()
    response.write(`data: ${JSON.stringify(current)}\n\n`)
  }
  const onChange = () => {
    if (Date.now() - last > 50) send()
  }
  // The charts' minutes, whole at first and then a sample at a time, as an event of their own.
  const sendHistory = (samples = ctx.history.all().slice(-1)) =>
    response.write(`event: history\ndata: ${JSON.stringify(samples)}\n\n`)
  const onSample = () => sendHistory()
  send()
  sendHistory(ctx.history.all())
  const timer = setInterval(send, 500)
  ctx.listeners.add(onChange)
  ctx.historyListeners.add(onSample)
  request.on('close', () => {
    clearInterval(timer)
    ctx.listeners.delete(onChange)
    ctx.historyListeners.delete(onSample)
  })
}

async function toReplica(ctx: Context, name: string, method: 'PUT' | 'DELETE', faults?: unknown) {
  const replica = Object.values(ctx.state()?.sets ?? {})
    .flatMap((set) => set.replicas)
    .find((r) => r.name === name)
  if (!replica) return { status: 404, body: { error: 'Not Found', message: `no replica ${name}` } }
  const answer = await fetch(`http://${replica.address}/faults`, {
    method,
    ...(faults === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) }),
    signal: AbortSignal.timeout(2000),
  }).catch((err: Error) => err)
  if (answer instanceof Error) {
    return {
      status: 502,
      body: { error: 'Bad Gateway', message: `${name} did not answer: ${answer.message}` },
    }
  }
  return { status: answer.status, body: await answer.json() }
}

export async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  ctx: Context,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://console')
  const path = url.pathname
  if (path === '/console/health') return json(response, 200, { status: 'ok' })
  // For Prometheus, on the console's own port: nginx proxies /console/ only, so never from outside.
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
    return void response.end(ctx.media.exposition())
  }
  const refused = refusal(request, ctx.config)
  if (refused) return problem(response, ...refused)
  const method = request.method ?? 'GET'
  const asset = ASSETS[path]
  if (asset) {
    if (method !== 'GET' && method !== 'HEAD') return problem(response, 405, `${method} ${path}: GET only`)
    const [type, content] = cache.get(path) ?? asset()
    cache.set(path, [type, content])
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
    return void response.end(method === 'HEAD' ? undefined : content)
  }
  if (path === '/console/events') {
    if (method !== 'GET') return problem(response, 405, 'GET only')
    return events(request, response, ctx)
  }
  if (path === '/console/api/state') {
    if (method !== 'GET') return problem(response, 405, 'GET only')
    return json(response, 200, snapshot(ctx))
  }
  if (path === '/console/api/history') {
    if (method !== 'GET') return problem(response, 405, 'GET only')
    return json(response, 200, ctx.history.all())
  }
  if (path === '/console/api/lesson') {
    if (method !== 'POST') return problem(response, 405, `${path}: POST only`)
    const given = await body(request, response)
    if (given === NONE) return
    const lesson = parseLesson(given)
    if (typeof lesson === 'string') return problem(response, 400, lesson)
    ctx.lesson.current = lesson
    for (const listener of ctx.listeners) listener()
    return json(response, 200, lesson)
  }
  // Controls are POSTs, as nginx allows no other method with a body: the verb is in the path.
  const control =
    /^\/console\/api\/(load|load\/stop|faults\/([a-z]+[0-9])|faults\/([a-z]+[0-9])\/clear)$/.exec(path)
  if (control) {
    if (method !== 'POST') return problem(response, 405, `${path}: POST only`)
    const [, what = '', setOn, clearOn] = control
    if (what === 'load/stop') {
      ctx.load.stop()
      return json(response, 200, ctx.load.current())
    }
    if (clearOn) {
      const answer = await toReplica(ctx, clearOn, 'DELETE')
      return json(response, answer.status, answer.body)
    }
    const given = await body(request, response)
    if (given === NONE) return
    if (setOn) {
      const answer = await toReplica(ctx, setOn, 'PUT', given)
      return json(response, answer.status, answer.body)
    }
    const parsed = parseLoad(given)
    if (typeof parsed === 'string') return problem(response, 400, parsed)
    ctx.load.start(parsed)
    return json(response, 200, ctx.load.current())
  }
  return problem(response, 404, `no route ${method} ${path}`)
}
