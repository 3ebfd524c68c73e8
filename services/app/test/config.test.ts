import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { exampleEnv } from '../../../tools/lab/src/env.ts'
import { ConfigError, ConfigSchema, loadConfig } from '../src/config.ts'
import { replicaEnv } from './helpers.ts'

describe('config', () => {
  it('turns a complete environment into typed values with defaults', () => {
    const config = loadConfig(replicaEnv({ PORT: '3005' }))
    assert.equal(config.PORT, 3005)
    assert.equal(config.NODE_ENV, 'development')
    assert.equal(config.DEPENDENCY_TIMEOUT_MS, 750)
  })

  it("defaults to what .env.example documents (ports aside: there, the lab's own ports)", () => {
    const documented = exampleEnv()
    const drift = Object.entries(ConfigSchema.properties).flatMap(([key, schema]) => {
      const fallback = (schema as { default?: unknown }).default
      if (fallback === undefined || key.endsWith('_PORT') || !documented.has(key)) return []
      return String(fallback) === documented.get(key) ? [] : [`${key}: ${fallback} vs ${documented.get(key)}`]
    })
    assert.deepEqual(drift, [])
  })

  it('names every missing or bad variable in one error', () => {
    const env = replicaEnv({ PORT: '70000', LOG_LEVEL: 'loud' })
    delete env.REPLICA_ID
    assert.throws(
      () => loadConfig(env),
      (err: Error) =>
        err instanceof ConfigError &&
        err.message.includes('REPLICA_ID is required') &&
        err.message.includes('PORT must be <= 65535') &&
        err.message.includes('LOG_LEVEL must be equal to one of the allowed values'),
    )
  })

  it('refuses the example secrets in production', () => {
    // .env.example's, whatever this checkout's .env holds (`make up` in Docker mode writes new ones).
    const documented = exampleEnv()
    const examples = Object.fromEntries(
      ['SESSION_SECRET', 'REDIS_PASSWORD', 'PG_PASSWORD'].map((key) => [key, documented.get(key) ?? '']),
    )
    assert.throws(
      () => loadConfig(replicaEnv({ NODE_ENV: 'production', ...examples })),
      /SESSION_SECRET, REDIS_PASSWORD, PG_PASSWORD still the example value/,
    )
    const real = { SESSION_SECRET: 's'.repeat(40), REDIS_PASSWORD: 'r-real', PG_PASSWORD: 'p-real' }
    assert.equal(loadConfig(replicaEnv({ NODE_ENV: 'production', ...real })).NODE_ENV, 'production')
  })

  it('stops the server process with a clear message instead of starting half-configured', () => {
    const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))
    const env = replicaEnv({ PG_POOL_MAX: 'many' })
    const result = spawnSync(process.execPath, [server], { env, encoding: 'utf8', timeout: 10_000 })
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^app: invalid configuration: PG_POOL_MAX must be integer/m)
  })
})
