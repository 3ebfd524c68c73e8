import { envSchema } from 'env-schema'
import { type Static, type TSchema, Type } from 'typebox'

// Everything the replica reads from its environment, read once at start-up. Names match
// .env.example; the lab (native) and compose.yaml (Docker) set them per replica.
export const ConfigSchema = Type.Object({
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
  // Budget for any one call to Redis or to a Postgres connect: a dead or frozen dependency
  // costs a request at most this long before it answers 503 (or falls back).
  DEPENDENCY_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 30_000, default: 750 }),
  // Budget for all the dependency waits of one request together (each wait also has its own
  // bound): with one last session save after it, it must stay under nginx's read timeout (the
  // lab checks UPSTREAM_READ_TIMEOUT), or a slow answer would count as the replica failing.
  REQUEST_DEADLINE_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 1000 }),

  REDIS_HOST: Type.String({ minLength: 1 }),
  REDIS_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 6379 }),
  REDIS_PASSWORD: Type.String({ minLength: 1 }),

  SESSION_SECRET: Type.String({ minLength: 32 }),
  // nginx's hash_cookie strategy reads this cookie, so only characters nginx variables allow.
  SESSION_COOKIE_NAME: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$', default: 'lab_sid' }),
  SESSION_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 3600 }),
  // How long after a write its writer's reads check that the standby has replayed it (a cookie:
  // plugins/read-your-writes.ts): longer than the standby ever lags (ReplicationLagHigh fires at 10 s).
  READ_YOUR_WRITES_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),

  PG_PRIMARY_HOST: Type.String({ minLength: 1 }),
  PG_PRIMARY_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
  PG_REPLICA_HOST: Type.String({ minLength: 1 }),
  PG_REPLICA_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
  PG_DATABASE: Type.String({ minLength: 1 }),
  PG_USER: Type.String({ minLength: 1 }),
  PG_PASSWORD: Type.String({ minLength: 1 }),
  PG_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  PG_QUERY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),

  // The object store media uploads go to (S3's API: services/objectstore). The bucket is public
  // for reads on the store's own network, which is how nginx serves /media/ without signing.
  S3_ENDPOINT: Type.String({ pattern: '^https?://[^/\\s]+$' }),
  S3_BUCKET: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$', default: 'media' }),
  S3_ACCESS_KEY_ID: Type.String({ pattern: '^[A-Za-z0-9_]{3,64}$' }),
  S3_SECRET_ACCESS_KEY: Type.String({ minLength: 16 }),
  // POST /api/media: the largest image file, and the most pixels its header may declare (a
  // small file can claim a huge canvas: a decompression bomb for whoever decodes it).
  MEDIA_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 52_428_800, default: 5_242_880 }),
  MEDIA_MAX_PIXELS: Type.Integer({ minimum: 1, maximum: 250_000_000, default: 40_000_000 }),

  // /api/work: simulated I/O-bound work, at most WORK_CONCURRENCY at once per replica.
  WORK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
  WORK_MAX_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
  // The longest a request waits for a work slot before it is shed (503); plus WORK_MAX_MS it
  // must stay under the balancer's read timeout (the lab checks UPSTREAM_READ_TIMEOUT).
  WORK_QUEUE_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 500 }),

  // The lab's anti-pattern switches (contract/README.md): each turns on a mistake a replica
  // behind a balancer must not make, so that people see what it costs and `make conform` fails
  // its line. The defaults are the right way; a service copied from this one drops them all.
  SESSION_STORE: Type.Enum(['redis', 'memory'], { default: 'redis' }), // lab-only
  MEDIA_STORE: Type.Enum(['objectstore', 'disk'], { default: 'objectstore' }), // lab-only
  SHUTDOWN_DRAIN: Type.Enum(['on', 'off'], { default: 'on' }), // lab-only
  LOAD_SHEDDING: Type.Enum(['on', 'off'], { default: 'on' }), // lab-only
  READ_YOUR_WRITES: Type.Enum(['on', 'off'], { default: 'on' }), // lab-only
  STATIC_FILES: Type.Enum(['balancer', 'replicas'], { default: 'balancer' }), // lab-only
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

const SECRETS = ['SESSION_SECRET', 'REDIS_PASSWORD', 'PG_PASSWORD', 'S3_SECRET_ACCESS_KEY'] as const
// Every example secret in .env.example contains this marker.
const EXAMPLE_MARKER = 'change-me'

/** Reads and validates the environment; throws ConfigError listing every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseEnv(env)
  if (config.NODE_ENV === 'production') {
    const examples = SECRETS.filter((name) => config[name].includes(EXAMPLE_MARKER))
    if (examples.length > 0) {
      throw new ConfigError(
        `invalid configuration: ${examples.join(', ')} still the example value (NODE_ENV=production)`,
      )
    }
  }
  return config
}

function parseEnv(env: NodeJS.ProcessEnv): Config {
  return parseEnvWith(ConfigSchema, env)
}

/** Validates `env` against a TypeBox schema (defaults applied, strings coerced); throws ConfigError. */
export function parseEnvWith<S extends TSchema>(schema: S, env: NodeJS.ProcessEnv): Static<S> {
  try {
    return envSchema<Static<S>>({ schema, data: env, dotenv: false })
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
