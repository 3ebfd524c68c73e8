import type pg from 'pg'

/**
 * Opens up to `count` connections of `pool` and hands them back to it idle, one at a time so a
 * busy Postgres is not sent a burst of new backends to fork and authenticate. Stops after two
 * failures in a row: a server that is down (refused at once) or frozen (a connect timeout each)
 * delays the start by two DEPENDENCY_TIMEOUT_MS at most, and the pool connects on demand later.
 * Resolves with how many it opened.
 */
export async function warmPool(pool: pg.Pool, count: number): Promise<number> {
  const clients: pg.PoolClient[] = []
  let failures = 0
  while (clients.length < count && failures < 2) {
    try {
      clients.push(await pool.connect())
      failures = 0
    } catch {
      failures++
    }
  }
  for (const client of clients) client.release()
  return clients.length
}
