import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from '../../env.ts'
import { repoRoot } from '../../paths.ts'
import { fingerprint, renderTemplate } from '../../render.ts'
import type { RoutedSet } from '../../sets/index.ts'
import { BALANCER_SETTINGS } from '../../switches.ts'
import type { ReplicaAddress } from '../../topology.ts'
import { consoleState } from '../console-state.ts'
import type { Placement, SetServers } from '../placement.ts'

const TEMPLATES = join(repoRoot, 'nginx/templates')
/** The blocks rendered once per replica set, into the templates above. */
const SET_TEMPLATES = join(TEMPLATES, 'sets')
/**
 * nginx's release, in both modes: Debian's package (unstable, fetched natively by nginx/fetch.sh)
 * and the image compose.yaml pins. 1.30 is the stable branch: sticky and drain (1.29.6) are in
 * it, least_time (1.31 mainline) is not, and no Debian suite has a mainline nginx.
 */
export const NGINX_VERSION = '1.30.6'
/** The folders of nginx/ its config includes as they are, placed beside the rendered files. */
export const NGINX_SHARED_DIRS = ['snippets', 'njs'] as const

export function nginxVars(env: LabEnv, placement: Placement): Record<string, string | number> {
  const vars: Record<string, string | number> = {
    LB_STRATEGY: env.strategy(),
    // Where Debian's package and the official image both keep them, under the engine's root.
    NJS_MODULE: `${placement.engineRoot}/usr/lib/nginx/modules/ngx_http_js_module.so`,
    MIME_TYPES: `${placement.engineRoot}/etc/nginx/mime.types`,
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
    STATIC_LOCATION: staticLocation(env, placement),
    NGINX_PID_FILE: placement.pidFile,
    NGINX_TEMP_DIR: placement.tempDir,
    RATE_LIMIT_EXEMPT: placement.rateLimitExempt.map((cidr) => `${cidr} 1;`).join('\n  '),
    OBJECTSTORE_ADDRESS: placement.objectStore,
    // The upload's body: the largest image plus room for its multipart framing.
    MEDIA_BODY_MAX: Number(env.get('MEDIA_MAX_BYTES')) + 16_384,
    CONSOLE_ADDRESS: placement.console,
    CONSOLE_SYSLOG: placement.consoleSyslog,
    // Asked again every second (valid=1s): a replica that is no longer ready leaves the
    // answer, and the upstream, within about that.
    RESOLVER: placement.resolver ? `resolver ${placement.resolver} valid=1s ipv6=off;` : '',
    CONSOLE_SYSLOG_TAG: placement.consoleSyslogTag,
    UPSTREAM_KEEPALIVE_LINES:
      env.oneOf('UPSTREAM_KEEPALIVE', ['on', 'off']) === 'on'
        ? `keepalive 32;\n  keepalive_timeout ${env.get('UPSTREAM_KEEPALIVE_TIMEOUT')};`
        : // Said outright: since 1.29 nginx keeps connections to an upstream alive by default.
          'keepalive 0; # UPSTREAM_KEEPALIVE=off (an anti-pattern switch): a new connection per request',
  }
  for (const key of [...BALANCER_SETTINGS, 'S3_BUCKET', 'MEDIA_CACHE_MAX_SIZE', 'MEDIA_CACHE_INACTIVE']) {
    vars[key] = env.get(key)
  }
  return { ...vars, ...setVars(env, placement.sets, vars), HTTP_SERVERS: httpServers(placement, vars) }
}

/** Who serves /static/: nginx from disk, or (STATIC_FILES=replicas, an anti-pattern switch) the replicas. */
function staticLocation(env: LabEnv, placement: Placement): string {
  const file = join(TEMPLATES, 'static', `${env.oneOf('STATIC_FILES', ['balancer', 'replicas'])}.template`)
  return renderTemplate(readFileSync(file, 'utf8'), { STATIC_ROOT: placement.staticRoot }, file)
    .trim()
    .replaceAll('\n', '\n  ')
}

/** The plain-HTTP server (servers/http.template): this machine's, and the Gateway's in Kubernetes mode. */
function httpServers(placement: Placement, shared: Record<string, string | number>): string {
  const file = join(TEMPLATES, 'servers/http.template')
  const server = (listen: string, client: string) =>
    renderTemplate(
      readFileSync(file, 'utf8'),
      { ...shared, HTTP_SERVER_LISTEN: listen, HTTP_SERVER_CLIENT: client },
      file,
    ).trim()
  const edge = server(`${placement.httpListen} default_server`, '# The edge: the peer is the client.')
  if (!placement.gateway) return edge
  const trusted = placement.gateway.forwardedBy.map((cidr) => `set_real_ip_from ${cidr};`)
  return `${edge}

${server(placement.gateway.listen, [...trusted, 'real_ip_header X-Forwarded-For;'].join('\n  '))}`
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
      .map(({ name, address, resolve }, i) => {
        const down = drained.includes(name) ? ' down' : ''
        // `resolve`: one line that becomes a server per address the name has, kept current.
        const follow = resolve ? ' resolve' : ''
        return `server ${address} weight=${weights[i]} max_fails=${shared.UPSTREAM_MAX_FAILS} fail_timeout=${shared.UPSTREAM_FAIL_TIMEOUT}${down}${follow}; # ${name}`
      })
      .join('\n  ')
  }
  // The strategy's snippet, inlined into each set's upstream with the set's name in it (a sticky
  // cookie is the set's own: the sets' upstreams would otherwise overwrite each other's).
  const strategy = (name: string) => {
    const file = join(repoRoot, 'nginx/strategies', `${shared.LB_STRATEGY}.conf`)
    return renderTemplate(readFileSync(file, 'utf8'), { SET: name }, file).trim().replaceAll('\n', '\n  ')
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
        SET_STRATEGY: strategy(set.name),
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
  // Every input nginx reads, the included snippets and scripts too (the strategy is in vars): editing any of
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
