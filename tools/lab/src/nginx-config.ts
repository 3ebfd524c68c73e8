import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from './env.ts'
import { repoRoot } from './paths.ts'
import { fingerprint, renderTemplate } from './render.ts'

export const APP_COUNT = 3
const TEMPLATES = join(repoRoot, 'nginx/templates')

/** What differs between run modes: where things are, never how nginx behaves. */
export interface NginxPlacement {
  httpListen: string
  httpsListen: string
  statusListen: string
  /** Who may read stub_status on statusListen (the exporter's address, or `all` on a private network). */
  statusAllow: string
  appServers: string[]
  /** Where the rendered files live (lb.conf includes app-locations.inc from there). */
  confDir: string
  accessLog: string
  tlsCert: string
  tlsKey: string
  staticRoot: string
}

export function nginxVars(env: LabEnv, placement: NginxPlacement): Record<string, string | number> {
  const weights = env.weights(APP_COUNT)
  const vars: Record<string, string | number> = {
    LB_STRATEGY: env.strategy(),
    SESSION_COOKIE_NAME: env.get('SESSION_COOKIE_NAME'),
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
  }
  for (const key of [
    'UPSTREAM_MAX_FAILS',
    'UPSTREAM_FAIL_TIMEOUT',
    'UPSTREAM_CONNECT_TIMEOUT',
    'UPSTREAM_READ_TIMEOUT',
    'CLIENT_MAX_BODY_SIZE',
    'RATE_LIMIT_RPS',
    'RATE_LIMIT_BURST',
    'RATE_LIMIT_WRITE_RPS',
    'RATE_LIMIT_WRITE_BURST',
    'RATE_LIMIT_CONN',
    'RATE_LIMIT_EXEMPT',
  ]) {
    vars[key] = env.get(key)
  }
  placement.appServers.forEach((server, i) => {
    vars[`APP${i + 1}_SERVER`] = server
    vars[`APP${i + 1}_WEIGHT`] = weights[i] ?? 1
  })
  return vars
}

/**
 * Renders every nginx/templates/*.template: file name (without .template) to content. The
 * CONFIG_VERSION placeholder gets a hash of all inputs, so /nginx-health tells which config runs.
 */
export function renderNginx(
  env: LabEnv,
  placement: NginxPlacement,
): { files: Map<string, string>; version: string } {
  const vars = nginxVars(env, placement)
  const templates = readdirSync(TEMPLATES)
    .filter((f) => f.endsWith('.template'))
    .sort()
    .map((f) => [f, readFileSync(join(TEMPLATES, f), 'utf8')] as const)
  // Every input nginx reads, the included snippets and strategies too: editing any of them
  // changes the version, so the rendered files change and `up` reloads nginx.
  const included = ['snippets', 'strategies'].flatMap((dir) =>
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
  return { files, version }
}
