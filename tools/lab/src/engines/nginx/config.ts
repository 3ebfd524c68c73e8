import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { LabEnv } from '../../env.ts'
import { devCertificate, logFile, repoRoot } from '../../paths.ts'
import { fingerprint, renderTemplate } from '../../render.ts'
import type { RoutedSet } from '../../sets/index.ts'
import {
  CONSOLE_CONTAINER_PORT,
  CONSOLE_CONTAINER_SYSLOG_PORT,
  DOCKER_FRONTEND_HOSTS,
  dockerAddress,
  dockerBackendAddress,
  LOCALHOST,
  nativeReplicas,
  OBJECTSTORE_CONTAINER_PORT,
  type ReplicaAddress,
  replicaSet,
  SET_NAMES,
} from '../../topology.ts'
import { consoleState } from '../console-state.ts'
import type { Placement, SetServers } from '../placement.ts'

const TEMPLATES = join(repoRoot, 'nginx/templates')
/** The blocks rendered once per replica set, into the templates above. */
const SET_TEMPLATES = join(TEMPLATES, 'sets')
/** nginx's njs module (njs/edge.js): where Debian's package and the official image both keep it. */
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so'
/** The folders of nginx/ its config includes as they are, placed beside the rendered files. */
export const NGINX_SHARED_DIRS = ['snippets', 'strategies', 'njs'] as const

/** Native mode: every service on 127.0.0.1, files under the lab's state folder. */
export function nativePlacement(
  env: LabEnv,
  stateDir: string,
  confDir: string,
  consoleSyslogTag: string,
): Placement {
  return {
    httpListen: `${LOCALHOST}:${env.port('NGINX_HTTP_PORT')}`,
    httpsListen: `${LOCALHOST}:${env.port('NGINX_HTTPS_PORT')}`,
    statusListen: `${LOCALHOST}:${env.port('NGINX_STATUS_PORT')}`,
    statusAllow: LOCALHOST,
    sets: SET_NAMES.map((name) => ({ set: replicaSet(name), servers: nativeReplicas(env, name) })),
    confDir,
    // The file nginx's own log (its stderr) goes to, as both go to one stream in Docker mode:
    // `lab logs nginx` shows them interleaved, and the log-keeper caps one file.
    accessLog: logFile('nginx'),
    accessLogSyslog: `${LOCALHOST}:${env.port('LOG_KEEPER_SYSLOG_PORT')}`,
    tlsCert: devCertificate(),
    tlsKey: join(dirname(devCertificate()), 'key.pem'),
    staticRoot: join(repoRoot, 'static'),
    pidFile: join(stateDir, 'nginx.pid'),
    tempDir: join(stateDir, 'tmp'),
    rateLimitExempt: env.list('RATE_LIMIT_EXEMPT'),
    objectStore: `${LOCALHOST}:${env.port('OBJECTSTORE_S3_PORT')}`,
    console: `${LOCALHOST}:${env.port('CONSOLE_PORT')}`,
    consoleSyslog: `${LOCALHOST}:${env.port('CONSOLE_SYSLOG_PORT')}`,
    consoleSyslogTag,
  }
}

/**
 * Docker mode: fixed addresses on Compose's networks (see topology.ts), the replicas where
 * Docker's DNS says they are (modes/docker/replicas.ts), the image's paths.
 */
export const DOCKER_NGINX_DIR = '/etc/nginx/lab'
export function dockerPlacement(
  env: LabEnv,
  replicas: Record<string, ReplicaAddress[]>,
  consoleSyslogTag: string,
): Placement {
  const frontend = (host: number) => `${dockerAddress(env.get('DOCKER_FRONTEND_NET'), host)}/32`
  return {
    httpListen: '8080',
    httpsListen: '8443',
    // Reachable on the backend network only (never published); the exporter is there.
    statusListen: '8081',
    statusAllow: 'all',
    sets: SET_NAMES.map((name) => ({ set: replicaSet(name), servers: replicas[name] ?? [] })),
    confDir: DOCKER_NGINX_DIR,
    accessLog: '/var/log/nginx/access.log',
    tlsCert: `${DOCKER_NGINX_DIR}/tls/cert.pem`,
    tlsKey: `${DOCKER_NGINX_DIR}/tls/key.pem`,
    staticRoot: '/usr/share/nginx/static',
    pidFile: '/tmp/nginx.pid',
    tempDir: '/var/cache/nginx',
    // This machine's own clients reach the published ports through Docker's gateway; k6 runs
    // in its container, the console's load generator in its own. RATE_LIMIT_EXEMPT (127.0.0.1)
    // means nothing on a Docker network.
    rateLimitExempt: [
      frontend(DOCKER_FRONTEND_HOSTS.gateway),
      frontend(DOCKER_FRONTEND_HOSTS.k6),
      `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}/32`,
    ],
    objectStore: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'objectstore')}:${OBJECTSTORE_CONTAINER_PORT}`,
    console: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}:${CONSOLE_CONTAINER_PORT}`,
    consoleSyslog: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}:${CONSOLE_CONTAINER_SYSLOG_PORT}`,
    consoleSyslogTag,
  }
}

export function nginxVars(env: LabEnv, placement: Placement): Record<string, string | number> {
  const vars: Record<string, string | number> = {
    LB_STRATEGY: env.strategy(),
    NJS_MODULE,
    SESSION_COOKIE_NAME: env.get('SESSION_COOKIE_NAME'),
    PY_SESSION_COOKIE_NAME: env.get('PY_SESSION_COOKIE_NAME'),
    NGINX_HTTPS_PORT: env.port('NGINX_HTTPS_PORT'),
    NGINX_HTTP_LISTEN: placement.httpListen,
    NGINX_HTTPS_LISTEN: placement.httpsListen,
    NGINX_STATUS_LISTEN: placement.statusListen,
    NGINX_STATUS_ALLOW: placement.statusAllow,
    NGINX_CONF_DIR: placement.confDir,
    NGINX_ACCESS_LOG: placement.accessLog,
    TLS_CERT: placement.tlsCert,
    TLS_KEY: placement.tlsKey,
    STATIC_ROOT: placement.staticRoot,
    NGINX_PID_FILE: placement.pidFile,
    NGINX_TEMP_DIR: placement.tempDir,
    RATE_LIMIT_EXEMPT: placement.rateLimitExempt.map((cidr) => `${cidr} 1;`).join('\n  '),
    OBJECTSTORE_ADDRESS: placement.objectStore,
    // The upload's body: the largest image plus room for its multipart framing.
    MEDIA_BODY_MAX: Number(env.get('MEDIA_MAX_BYTES')) + 16_384,
    CONSOLE_ADDRESS: placement.console,
    CONSOLE_SYSLOG: placement.consoleSyslog,
    CONSOLE_SYSLOG_TAG: placement.consoleSyslogTag,
  }
  for (const key of [
    'UPSTREAM_MAX_FAILS',
    'UPSTREAM_FAIL_TIMEOUT',
    'UPSTREAM_CONNECT_TIMEOUT',
    'UPSTREAM_READ_TIMEOUT',
    'UPSTREAM_KEEPALIVE_TIMEOUT',
    'CLIENT_MAX_BODY_SIZE',
    'S3_BUCKET',
    'MEDIA_CACHE_MAX_SIZE',
    'MEDIA_CACHE_INACTIVE',
    'RATE_LIMIT_RPS',
    'RATE_LIMIT_BURST',
    'RATE_LIMIT_WRITE_RPS',
    'RATE_LIMIT_WRITE_BURST',
    'RATE_LIMIT_NEW_SESSIONS',
    'RATE_LIMIT_NEW_SESSIONS_BURST',
    'RATE_LIMIT_CONN',
  ]) {
    vars[key] = env.get(key)
  }
  return { ...vars, ...setVars(env, placement.sets, vars) }
}

/**
 * What the templates say per replica set: each set's upstream block (sets/upstream.template),
 * the locations of each set under a prefix (sets/prefixed-locations.template), and the maps and
 * patterns that tell the sets apart by prefix. The root set is the one whose prefix is ''.
 */
function setVars(
  env: LabEnv,
  sets: SetServers[],
  shared: Record<string, string | number>,
): Record<string, string> {
  const root = sets.filter(({ set }) => set.prefix === '')
  if (root.length !== 1)
    throw new Error(`exactly one replica set is served at nginx's root, not ${root.length}`)
  const prefixed = sets.filter(({ set }) => set.prefix !== '')
  const drained = env.list('LB_DRAINED')
  // The upstream's server lines, one per replica of the set, named in a trailing comment.
  const servers = (upstreams: ReplicaAddress[]) => {
    const weights = env.weights(upstreams.length)
    return upstreams
      .map(({ name, address }, i) => {
        const down = drained.includes(name) ? ' down' : ''
        return `server ${address} weight=${weights[i]} max_fails=${shared.UPSTREAM_MAX_FAILS} fail_timeout=${shared.UPSTREAM_FAIL_TIMEOUT}${down}; # ${name}`
      })
      .join('\n  ')
  }
  const block = (template: string, { set, servers: upstreams }: SetServers) =>
    renderTemplate(
      readFileSync(join(SET_TEMPLATES, template), 'utf8'),
      {
        ...shared,
        SET: set.name,
        SET_LABEL: set.label,
        SET_PREFIX: set.prefix,
        SET_COOKIE_NAME: env.get(set.cookieKey),
        SET_SERVERS: servers(upstreams),
      },
      join(SET_TEMPLATES, template),
    )
  const byPrefix = (value: (set: RoutedSet) => string) =>
    [
      ...prefixed.map(({ set }) => `~^${set.prefix}/  ${value(set)};`),
      `default ${value((root[0] as SetServers).set)};`,
    ].join('\n  ')
  return {
    ROOT_UPSTREAM: `${(root[0] as SetServers).set.name}_backend`,
    REPLICA_SET_UPSTREAMS: sets.map((each) => block('upstream.template', each)).join('\n'),
    PREFIXED_SET_LOCATIONS: prefixed.map((each) => block('prefixed-locations.template', each)).join('\n'),
    SESSION_COOKIE_BY_PREFIX: byPrefix((set) => `$lb_${set.name}_session`),
    FORWARDED_PREFIX_BY_PREFIX: byPrefix((set) => set.prefix || '""'),
    // A regular expression group matching any set's prefix: (/py), (/py|/go).
    SET_PREFIXES: `(${prefixed.map(({ set }) => set.prefix).join('|')})`,
  }
}

/**
 * Renders every nginx/templates/*.template: file name (without .template) to content. The
 * CONFIG_VERSION placeholder gets a hash of all inputs, so /nginx-health tells which config runs.
 */
export function renderNginx(
  env: LabEnv,
  placement: Placement,
): { files: Map<string, string>; version: string } {
  const vars = nginxVars(env, placement)
  const templates = readdirSync(TEMPLATES)
    .filter((f) => f.endsWith('.template'))
    .sort()
    .map((f) => [f, readFileSync(join(TEMPLATES, f), 'utf8')] as const)
  // Every input nginx reads, the included snippets, strategies and scripts too: editing any of
  // them changes the version, so the rendered files change and `up` reloads nginx.
  const included = NGINX_SHARED_DIRS.flatMap((dir) =>
    readdirSync(join(repoRoot, 'nginx', dir))
      .sort()
      .map((f) => readFileSync(join(repoRoot, 'nginx', dir, f), 'utf8')),
  )
  const version = fingerprint(JSON.stringify(vars), ...templates.map(([, text]) => text), ...included)
  const files = new Map(
    templates.map(([name, text]) => [
      name.replace(/\.template$/, ''),
      renderTemplate(text, { ...vars, CONFIG_VERSION: version }, join(TEMPLATES, name)),
    ]),
  )
  files.set('console.json', consoleState(env, placement, version, String(vars.LB_STRATEGY)))
  return { files, version }
}
