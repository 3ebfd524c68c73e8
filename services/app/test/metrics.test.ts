import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { appFor } from './helpers.ts'

describe('GET /metrics', () => {
  it('exposes request, pool, session, read and work metrics, every one labelled with the replica', async (t) => {
    const app = await appFor(t)
    await app.inject('/api/notes/424242424242')
    const response = await app.inject('/metrics')
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/plain/)

    const body = response.body
    assert.match(
      body,
      /http_request_duration_seconds_count\{replica="test-replica",method="GET",route="\/api\/notes\/:id",status_code="404"\} 1/,
    )
    for (const family of [
      'pg_pool_connections',
      'pg_replica_lag_seconds',
      'db_reads_total',
      'session_store_errors_total',
      'work_in_flight',
      'work_queued',
      'work_shed_total',
      'process_cpu_seconds_total',
    ]) {
      assert.match(body, new RegExp(`^${family}\\{[^}]*replica="test-replica"`, 'm'), family)
    }
    const unlabelled = body
      .split('\n')
      .filter((line) => line && !line.startsWith('#') && !line.includes('replica="test-replica"'))
    assert.deepEqual(unlabelled, [])
  })
})
