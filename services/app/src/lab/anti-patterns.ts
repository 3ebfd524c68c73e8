// The lab's anti-pattern switches (contract/README.md): the mistakes a replica behind a balancer
// must not make, written out so that people can switch one on, watch it fail, and see
// `make conform` name it. Each is off by default; a service copied from this one drops this file
// and the places that call it (plugins/core/session.ts, plugins/core/objectstore.ts, server.ts,
// app.ts).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import session from '@fastify/session'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * SESSION_STORE=memory: sessions in this process's memory, as a framework's default store keeps
 * them. Another replica does not know the session; a restart forgets them all.
 */
export const memorySessionStore = () => new session.MemoryStore()

const KEY = /^[0-9a-f]{64}\.(png|jpg|gif|webp)$/

/**
 * MEDIA_STORE=disk: uploads written to this replica's own disk and served by this replica, at
 * /api/media/<key>. The next request for the file, balanced to another replica, finds nothing.
 */
export function diskMedia(app: FastifyInstance) {
  // Named by its port too: two stacks on one machine (a student's and a test's) have an app2 each.
  const dir = join(tmpdir(), `lb-lab-media-${app.config.REPLICA_ID}-${app.config.PORT}`)
  app.get<{ Params: { key: string } }>('/api/media/:key', async (request, reply) => {
    const { key } = request.params
    if (!KEY.test(key)) return reply.code(404).send({ error: 'Not Found', message: `no media ${key}` })
    const bytes = await readFile(join(dir, key)).catch(() => undefined)
    if (!bytes)
      return reply.code(404).send({ error: 'Not Found', message: `no media ${key} on this replica` })
    return reply.type(`image/${key.split('.')[1] === 'jpg' ? 'jpeg' : key.split('.')[1]}`).send(bytes)
  })
  return {
    put: async (key: string, body: Buffer) => {
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, key), body)
    },
    url: (key: string) => `/api/media/${key}`,
  }
}

/** MEDIA_STORE=disk in place of the object store: uploads written to, and served from, this replica's disk. */
export function useDiskMedia(app: FastifyInstance): void {
  const disk = diskMedia(app)
  app.decorate('putMedia', disk.put)
  app.decorate('mediaUrl', disk.url)
}

/**
 * SHUTDOWN_DRAIN=off: the drain's SIGTERM handler removed, so SIGTERM ends the process at once,
 * as Node's default does: what is in flight is cut.
 */
export function withoutDrain(): void {
  process.removeAllListeners('SIGTERM')
}

/** The lab's static/ folder: at the repository's root natively, mounted at the same place in Docker mode. */
const STATIC_DIR = fileURLToPath(new URL('../../../../static/', import.meta.url))
const STATIC_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  md: 'text/markdown; charset=utf-8',
}
const STATIC_NAME = /^[A-Za-z0-9_-]+\.([a-z]+)$/

/**
 * STATIC_FILES=replicas: the balancer passes /static/ on (it serves the files itself otherwise),
 * and this replica reads each file from its disk per request, as a framework's static plugin
 * would. Every page's files then take a replica's time and a share of its capacity.
 */
export function serveStaticFiles(app: FastifyInstance): void {
  const serve = async (name: string, reply: FastifyReply) => {
    const type = STATIC_TYPES[STATIC_NAME.exec(name)?.[1] ?? '']
    const bytes = type ? await readFile(join(STATIC_DIR, name)).catch(() => undefined) : undefined
    if (!type || !bytes)
      return reply.code(404).send({ error: 'Not Found', message: `no static file ${name}` })
    return reply.type(type).send(bytes)
  }
  app.get('/static/', (_request, reply) => serve('index.html', reply))
  app.get<{ Params: { name: string } }>('/static/:name', (request, reply) =>
    serve(request.params.name, reply),
  )
}
