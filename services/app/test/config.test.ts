import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { REPLICA_ENV } from '../../../tools/lab/src/contract.ts'
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

  it("reads exactly the contract's variables, with its types, bounds and defaults (contract/replica-env.json)", () => {
    const differences = Object.entries(REPLICA_ENV).flatMap(([name, contract]) => {
      const schema = (
        ConfigSchema.properties as unknown as Record<string, Record<string, unknown> | undefined>
      )[name]
      if (!schema) return [`${name}: not read`]
      const ours = {
        type: schema.enum ? 'string' : schema.type,
        ...Object.fromEntries(
          ['minimum', 'maximum', 'minLength', 'pattern', 'enum'].flatMap((k) =>
            k in schema ? [[k, schema[k]]] : [],
          ),
        ),
      }
      const theirs = Object.fromEntries(
        ['type', 'minimum', 'maximum', 'minLength', 'pattern', 'enum'].flatMap((k) =>
          k in contract ? [[k, contract[k as keyof typeof contract]]] : [],
        ),
      )
      const problems: string[] = []
      if (JSON.stringify(ours) !== JSON.stringify(theirs))
        problems.push(`${name}: ${JSON.stringify(ours)} here, ${JSON.stringify(theirs)} in the contract`)
      // A required variable has no default; one with the contract's default has that default.
      if (contract.required && schema.default !== undefined) problems.push(`${name}: a default, but required`)
      if (contract.default !== undefined && schema.default !== contract.default)
        problems.push(`${name}: default ${schema.default} here, ${contract.default} in the contract`)
      return problems
    })
    const extra = Object.keys(ConfigSchema.properties).filter((name) => !(name in REPLICA_ENV))
    assert.deepEqual([...differences, ...extra.map((name) => `${name}: read, not in the contract`)], [])
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
      ['SESSION_SECRET', 'REDIS_PASSWORD', 'PG_PASSWORD', 'S3_SECRET_ACCESS_KEY'].map((key) => [
        key,
        documented.get(key) ?? '',
      ]),
    )
    assert.throws(
      () => loadConfig(replicaEnv({ NODE_ENV: 'production', ...examples })),
      /SESSION_SECRET, REDIS_PASSWORD, PG_PASSWORD, S3_SECRET_ACCESS_KEY still the example value/,
    )
    const real = {
      SESSION_SECRET: 's'.repeat(40),
      REDIS_PASSWORD: 'r-real',
      PG_PASSWORD: 'p-real',
      S3_SECRET_ACCESS_KEY: 'a-real-s3-secret',
    }
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
