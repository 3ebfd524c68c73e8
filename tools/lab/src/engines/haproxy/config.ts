// HAProxy's config (haproxy/templates), rendered for a placement: the same inputs as nginx's
// (engines/nginx/config.ts), in HAProxy's words.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { fingerprint, renderTemplate } from '../../render.ts'
import { MAX_REPLICAS } from '../../topology.ts'
import { consoleState } from '../console-state.ts'
import type { Placement, SetServers } from '../placement.ts'
import { errorFiles } from './errors.ts'

const HAPROXY = join(repoRoot, 'haproxy')
const TEMPLATE = join(HAPROXY, 'templates/haproxy.cfg.template')
const SET_TEMPLATES = join(HAPROXY, 'templates/sets')
export const HAPROXY_HEALTH_PATH = '/haproxy-health'

/** nginx's size syntax (16k, 1g) in bytes. */
export function bytes(value: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(value)
  if (!match) throw new Error(`${value} is not a size (e.g. 16k, 1g)`)
  return Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase())
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
}

/**
 * The access log line, one JSON object with nginx's lab_json fields (the console reads either),
 * times in milliseconds where HAProxy counts them so (upstream_ms, request_ms). HAProxy names the
 * replica that answered, not every one it tried: `retries` says how many it tried before.
 */
function logFormat(strategy: string): string {
  const fields: Array<[string, string, boolean]> = [
    ['time', '%[date,ltime(%Y-%m-%dT%H:%M:%S%z)]', true],
    ['request_id', '%ID', true],
    ['client', '%ci', true],
    ['method', '%HM', true],
    ['uri', '%[capture.req.uri,json(utf8s)]', true],
    ['status', '%ST', false],
    ['bytes', '%B', false],
    ['request_ms', '%Ta', false],
    ['upstream', '%[var(txn.upstream)]', true],
    ['upstream_status', '%[var(txn.upstream_status)]', true],
    ['upstream_ms', '%Tr', false],
    ['retries', '%[txn.conn_retries]', false],
    ['replica', '%[capture.res.hdr(0),json(utf8s)]', true],
    ['tls', '%sslv', true],
    ['strategy', strategy, true],
    ['cache', '%[var(txn.cache)]', true],
  ]
  const body = fields.map(([key, value, quoted]) =>
    quoted ? `\\"${key}\\":\\"${value}\\"` : `\\"${key}\\":${value}`,
  )
  return `{${body.join(',')}}`
}

/**
 * A limit_req bucket (a rate, a burst) as two sliding windows: the short one allows the burst
 * plus one, the long one the rate over it plus the burst. `span`: how many of the rate's units
 * the long window is (10 for a rate per second in 10 s, 1 for a rate per minute in a minute).
 */
function windows(name: string, rate: string, burst: string, span: number): Record<string, number> {
  return {
    [`${name}_BURST`]: Number(burst) + 1,
    [`${name}_SUSTAINED`]: Number(rate) * span + Number(burst),
  }
}

/** The runtime API's Unix socket, in the placement's temporary folder. */
/** The media cache's size in MiB, as HAProxy takes it (total-max-size: at most 4095). */
export const mediaCacheMb = (env: LabEnv) =>
  Math.min(4095, Math.floor(bytes(env.get('MEDIA_CACHE_MAX_SIZE')) / 1024 ** 2))

export const runtimeSocket = (placement: Placement) => join(placement.tempDir, 'haproxy.sock')

export function renderHaproxy(
  env: LabEnv,
  placement: Placement,
): { files: Map<string, string>; version: string } {
  const strategy = env.strategy()
  const strategyFile = join(HAPROXY, 'strategies', `${strategy}.conf`)
  const strategyText = readFileSync(strategyFile, 'utf8')
  const root = placement.sets.filter(({ set }) => set.prefix === '')
  if (root.length !== 1)
    throw new Error(`exactly one replica set is served at the balancer's root, not ${root.length}`)
  const prefixed = placement.sets.filter(({ set }) => set.prefix !== '')
  const drained = env.list('LB_DRAINED')
  const staticFiles = readdirSync(join(repoRoot, 'static')).sort()
  const errors = errorFiles(placement.confDir)

  const shared: Record<string, string | number> = {
    HTTP_BIND: placement.httpListen,
    HTTPS_BIND: placement.httpsListen,
    ...gatewayVars(placement),
    STATUS_BIND: placement.statusListen,
    HTTPS_PORT: env.port('NGINX_HTTPS_PORT'),
    HEALTH_PATH: HAPROXY_HEALTH_PATH,
    RUNTIME_SOCKET: runtimeSocket(placement),
    // In a container also on its own loopback, which `docker compose exec` reaches with bash alone.
    RUNTIME_LOOPBACK: placement.runtimeLoopbackPort
      ? `\n  stats socket ipv4@127.0.0.1:${placement.runtimeLoopbackPort} level admin`
      : '',
    CONSOLE_SYSLOG: placement.consoleSyslog,
    CONSOLE_SYSLOG_TAG: placement.consoleSyslogTag,
    CONSOLE_ADDRESS: placement.console,
    OBJECTSTORE_ADDRESS: placement.objectStore,
    TLS_DIR: dirname(placement.tlsCert),
    // Kubernetes only: the cluster's DNS, asked every second for each set's pods (server-template),
    // as nginx's resolver is; an answer of many pods needs more than DNS's classic 512 bytes.
    RESOLVERS: placement.resolver
      ? `\nresolvers cluster\n  nameserver dns ${placement.resolver}:53\n  accepted_payload_size 8192\n  hold valid 1s\n  hold obsolete 0s\n  timeout resolve 1s\n  timeout retry 1s\n`
      : '',
    LOG_FORMAT: logFormat(strategy),
    ACCESS_LOG: placement.accessLogSyslog ?? 'stdout',
    STDOUT_LOG_THREADS: placement.accessLogSyslog ? '' : '\n  nbthread 1',
    ERROR_FILES: errors.lines,
    RATE_LIMIT_EXEMPT: placement.rateLimitExempt.join(' ') || '255.255.255.255/32',
    // Per second: a burst in one second, the rate over ten (haproxy.cfg.template's tables).
    ...windows('READ', env.get('RATE_LIMIT_RPS'), env.get('RATE_LIMIT_BURST'), 10),
    ...windows('WRITE', env.get('RATE_LIMIT_WRITE_RPS'), env.get('RATE_LIMIT_WRITE_BURST'), 10),
    // Per minute: a burst in ten seconds, the rate over a minute.
    ...windows('SESSION', env.get('RATE_LIMIT_NEW_SESSIONS'), env.get('RATE_LIMIT_NEW_SESSIONS_BURST'), 1),
    RATE_LIMIT_CONN: env.get('RATE_LIMIT_CONN'),
    // A POST to a set's /api/visits without that set's session cookie makes a session.
    NEW_SESSION_ACL: placement.sets
      .map(({ set }) => `{ path ${set.prefix}/api/visits } !{ req.cook(${env.get(set.cookieKey)}) -m found }`)
      .join(' || !exempt METH_POST '),
    MEDIA_MAX_BYTES: env.get('MEDIA_MAX_BYTES'),
    MEDIA_BODY_MAX: Number(env.get('MEDIA_MAX_BYTES')) + 16_384,
    MEDIA_CACHE_MB: mediaCacheMb(env),
    CLIENT_MAX_BODY_BYTES: bytes(env.get('CLIENT_MAX_BODY_SIZE')),
    S3_BUCKET: env.get('S3_BUCKET'),
    SET_PREFIXES: `(${prefixed.map(({ set }) => set.prefix).join('|')})`,
    ROOT_BACKEND: `${(root[0] as SetServers).set.name}_backend`,
    SERVER_CLOSE:
      env.oneOf('UPSTREAM_KEEPALIVE', ['on', 'off']) === 'on' ? '' : '  option http-server-close\n',
    STATIC_RETURNS:
      env.oneOf('STATIC_FILES', ['balancer', 'replicas']) === 'replicas'
        ? '  # STATIC_FILES=replicas (an anti-pattern switch): /static/ goes on to the replicas, like any path.'
        : [
            ...staticFiles.map((name) => {
              const type = CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream'
              const paths = name === 'index.html' ? `/static/${name} /static/` : `/static/${name}`
              return `  http-request return status 200 content-type "${type}" file ${placement.staticRoot}/${name} hdr Cache-Control "max-age=3600" if https { path ${paths} }`
            }),
            '  http-request deny deny_status 404 if { path_beg /static/ }',
          ].join('\n'),
  }
  for (const key of [
    'UPSTREAM_MAX_FAILS',
    'UPSTREAM_CONNECT_TIMEOUT',
    'UPSTREAM_READ_TIMEOUT',
    'UPSTREAM_KEEPALIVE_TIMEOUT',
    'LB_CHECK_INTERVAL',
    'LB_SLOW_START',
  ])
    shared[key] = env.get(key)

  const block = (template: string, { set, servers }: SetServers): string => {
    // Servers that come from the cluster's DNS have no names of their own for a cookie to carry.
    if (servers.some(({ resolve }) => resolve) && strategy === 'sticky_cookie')
      throw new Error(
        'LB_STRATEGY=sticky_cookie with HAProxy on Kubernetes: not yet (its servers come from DNS, unnamed); hash_cookie keeps a session on one pod',
      )
    const weights = env.weights(servers.length)
    return renderTemplate(
      readFileSync(join(SET_TEMPLATES, template), 'utf8'),
      {
        ...shared,
        SET: set.name,
        SET_LABEL: set.label,
        SET_PREFIX: set.prefix,
        SET_PREFIX_RULES:
          set.prefix && template === 'backend.template' ? block('prefix.template', { set, servers }) : '',
        SET_COOKIE_NAME: env.get(set.cookieKey),
        // With the set's name in it: a sticky cookie is the set's own.
        STRATEGY: renderTemplate(strategyText, { SET: set.name }, strategyFile)
          .trim()
          .split('\n')
          .join('\n  '),
        SET_SERVERS: servers
          .map(({ name, address, resolve }, i) =>
            resolve
              ? // Slots <set>1..<set>N for the most pods a set may have (one more mid-rollout),
                // filled from the name's addresses as the cluster's DNS gives them, emptied as
                // they leave it; none at start is fine.
                `server-template ${set.name} ${MAX_REPLICAS + 1} ${address} resolvers cluster init-addr none`
              : // `cookie`: its value when the strategy sets a sticky cookie (unused otherwise).
                `server ${name} ${address} weight ${weights[i]} cookie ${name}${drained.includes(name) ? ' disabled' : ''}`,
          )
          .join('\n  '),
      },
      join(SET_TEMPLATES, template),
    )
  }
  const vars = {
    ...shared,
    SET_REDIRECTS: prefixed.map((each) => block('redirect.template', each)).join(''),
    SET_ROUTES: prefixed.map((each) => block('routes.template', each)).join(''),
    SET_BACKENDS: placement.sets.map((each) => block('backend.template', each)).join('\n'),
  }
  const template = readFileSync(TEMPLATE, 'utf8')
  const setTemplates = readdirSync(SET_TEMPLATES)
    .sort()
    .map((f) => readFileSync(join(SET_TEMPLATES, f), 'utf8'))
  const statics = staticFiles.map((f) => readFileSync(join(repoRoot, 'static', f), 'utf8'))
  // Every input, the static files it loads too: a changed one changes the version, and `up` reloads.
  const version = fingerprint(
    JSON.stringify(vars),
    template,
    strategyText,
    ...setTemplates,
    ...statics,
    ...errors.files.values(),
  )
  const files = new Map([
    ['haproxy.cfg', renderTemplate(template, { ...vars, CONFIG_VERSION: version }, TEMPLATE)],
    ...errors.files,
  ])
  files.set('console.json', consoleState(env, placement, version, strategy))
  return { files, version }
}

/**
 * Kubernetes mode: the Gateway's way in, a bind no host port publishes, where the client is the
 * address the Gateway puts last in X-Forwarded-For (the peer it saw itself), believed from the
 * pod network only; before any rule reads `src`, so the rate limits, the logs and the replicas
 * see the client rather than the Gateway. Elsewhere HAProxy is the edge: the peer is the client.
 */
function gatewayVars(placement: Placement): Record<string, string> {
  if (!placement.gateway) return { GATEWAY_BIND: '', GATEWAY_CLIENT: '' }
  const { listen, forwardedBy } = placement.gateway
  const port = listen.split(':').at(-1)
  return {
    GATEWAY_BIND: `\n  bind ${listen} name gateway`,
    GATEWAY_CLIENT: `\n  # The Gateway's requests name their client (haproxy/config.ts: gatewayVars).\n  http-request set-src hdr_ip(x-forwarded-for,-1) if { dst_port ${port} } { src ${forwardedBy.join(' ')} }`,
  }
}
