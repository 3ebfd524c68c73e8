import { envSchema } from 'env-schema'
import { type Static, Type } from 'typebox'

// Everything the replica reads from its environment, read once at start-up. Names match
// .env.example; the lab (native) and compose.yaml (Docker) set them per replica.
const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }),
  // Shown in X-Replica and in every log line and metric; it is how a lab user sees the balancing.
  REPLICA_ID: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  // Addresses (comma-separated IPs or CIDRs) allowed to set X-Forwarded-*: only the proxy.
  TRUST_PROXY: Type.String({ default: '127.0.0.1', minLength: 1 }),
  // After SIGTERM: first SHUTDOWN_DELAY_MS of serving with /ready at 503 (for balancers that
  // probe readiness), then the listener closes and in-flight requests get SHUTDOWN_TIMEOUT_MS.
  SHUTDOWN_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 10_000 }),
  DEPENDENCY_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 30_000, default: 1000 }),

  REDIS_HOST: Type.String({ minLength: 1 }),
  REDIS_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 6379 }),
  REDIS_PASSWORD: Type.String({ minLength: 1 }),

  PG_PRIMARY_HOST: Type.String({ minLength: 1 }),
  PG_PRIMARY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
  PG_DATABASE: Type.String({ minLength: 1 }),
  PG_USER: Type.String({ minLength: 1 }),
  PG_PASSWORD: Type.String({ minLength: 1 }),
  PG_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  PG_QUERY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2000 }),
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

interface AjvError {
  instancePath: string
  message?: string
  params: { missingProperty?: string; allowedValues?: unknown[] }
}

/** Reads and validates the environment; throws ConfigError listing every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return envSchema<Config>({ schema: ConfigSchema, data: env, dotenv: false })
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors
    if (!errors) throw err
    const problems = errors.map((e) =>
      e.params.missingProperty
        ? `${e.params.missingProperty} is required`
        : `${e.instancePath.replace(/^\//, '')} ${e.message}${e.params.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''}`,
    )
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
}
