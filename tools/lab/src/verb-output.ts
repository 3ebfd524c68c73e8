// What the verbs of both modes share: the URLs `up` prints, timings, the usage error for a verb
// that needs a service.
import { existsSync, readFileSync } from 'node:fs'
import type { LabEnv } from './env.ts'
import type { Mode } from './mode.ts'
import { devCertificate, displayPath } from './paths.ts'
import { replicaSet, SET_NAMES } from './sets/index.ts'

/**
 * What `up` prints: the URLs, then `extra`, then a line per replica set under a prefix (the
 * Python sample); `replicaUrls` (native mode) adds each set's replicas' own addresses.
 */
export function printUrls(
  env: LabEnv,
  mode: Mode,
  seconds: string,
  extra: string[],
  replicaUrls?: (set: string) => string[],
): void {
  const http = `http://127.0.0.1:${env.port('NGINX_HTTP_PORT')}`
  const sets = SET_NAMES.map(replicaSet).flatMap(({ name, label, prefix, folder }) => {
    const urls = replicaUrls?.(name).join('  ')
    if (prefix === '') return urls ? [`  replicas        ${urls}`] : []
    // A declared set (it has a folder) has the contract's /health, not necessarily the lab's whoami.
    const path = folder ? '/health' : '/api/whoami'
    return [`  ${label.toLowerCase().padEnd(15)} ${http}${prefix}${path}${urls ? `   (${urls})` : ''}`]
  })
  const https = `https://127.0.0.1:${env.port('NGINX_HTTPS_PORT')}`
  const prometheus = `http://127.0.0.1:${env.port('PROMETHEUS_PORT')}`
  const engine = env.get('LB_ENGINE')
  console.log(`lb-lab is up (${mode} mode, LB_ENGINE=${engine}, LB_STRATEGY=${env.strategy()}) in ${seconds} s
  through ${engine.padEnd(8)}${http}/api/whoami   ${https}/api/whoami
  lab console     ${https}/   (self-signed: curl --cacert ${displayPath(devCertificate(mode))})
  prometheus      ${prometheus}/alerts   (targets: ${prometheus}/targets)
${[...extra, ...sets].join('\n')}
  then try        make ps · make kill s=app2 · make logs s=${engine} · make down
  the workshop    make lesson n=1   (lessons/README.md)`)
}

/** Runs a verb's work and says how long it took (the figures the README quotes). */
export async function timed(what: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now()
  await work()
  console.log(`${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

export const needTarget = (verb: string, target: string | undefined) => {
  if (!target) throw new Error(`${verb} needs a service, e.g. make ${verb} s=app2`)
  return target
}

/** A log file's last lines, for a verb's output and the CLI's errors. */
export function tailOf(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log yet)'
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}
