import { createServer } from 'node:net'
import { loadLabEnv } from '../../../tools/lab/src/env.ts'
import { type App, buildApp } from '../src/app.ts'
import { type Config, loadConfig } from '../src/config.ts'

export { serverTiming } from '../../../test/lib/server-timing.ts'

/** The environment the lab gives a replica, pointed at the lab's real Redis and Postgres. */
export function replicaEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const lab = loadLabEnv()
  return {
    REPLICA_ID: 'test-replica',
    LOG_LEVEL: 'silent',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: lab.get('REDIS_PORT'),
    REDIS_PASSWORD: lab.get('REDIS_PASSWORD'),
    SESSION_SECRET: lab.get('SESSION_SECRET'),
    PG_PRIMARY_HOST: '127.0.0.1',
    PG_PRIMARY_PORT: lab.get('PG_PRIMARY_PORT'),
    PG_REPLICA_HOST: '127.0.0.1',
    PG_REPLICA_PORT: lab.get('PG_REPLICA_PORT'),
    PG_DATABASE: lab.get('PG_DATABASE'),
    PG_USER: lab.get('PG_USER'),
    PG_PASSWORD: lab.get('PG_PASSWORD'),
    S3_ENDPOINT: `http://127.0.0.1:${lab.get('OBJECTSTORE_S3_PORT')}`,
    S3_BUCKET: lab.get('S3_BUCKET'),
    S3_ACCESS_KEY_ID: lab.get('S3_ACCESS_KEY_ID'),
    S3_SECRET_ACCESS_KEY: lab.get('S3_SECRET_ACCESS_KEY'),
    ...overrides,
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(replicaEnv(overrides))
}

/** Builds the app (not listening) and closes it, pools and clients included, after the test. */
export async function appFor(
  t: { after: (fn: () => Promise<unknown>) => void },
  overrides: Record<string, string> = {},
) {
  const app = await buildApp(testConfig(overrides), { logger: false })
  t.after(() => app.close())
  return app
}

/** A port nothing listens on: bound once by us, then released. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** The session cookie a response set, as a Cookie header value. */
export function sessionCookie(response: { cookies: Array<{ name: string; value: string }> }): string {
  const cookie = response.cookies.find((c) => c.name === testConfig().SESSION_COOKIE_NAME)
  if (!cookie) throw new Error('response set no session cookie')
  return `${cookie.name}=${cookie.value}`
}

/** POST /api/notes with a JSON body (an object, or raw text to send as it is). */
export const postNote = (app: App, payload: string | object, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/notes',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  })

/** Notes on the primary: a write that should not have happened shows up here. */
export const countNotes = async (app: App) =>
  Number((await app.pg.primary.query<{ count: string }>('SELECT count(*) FROM notes')).rows[0]?.count)

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
