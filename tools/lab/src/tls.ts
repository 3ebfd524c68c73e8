// The edge's private material, kept in the state folder (Docker mode: the config volume), never
// committed: the development certificate, and the tag nginx signs its access log to the console
// with. Docker mode's config service makes both with the same functions (modes/docker/render.ts).
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bin, ensureDir, runChecked } from './modes/native/services/service.ts'

/**
 * A self-signed development certificate for localhost and 127.0.0.1, made once and kept in the
 * state folder (never committed). Tests and curl trust it explicitly (--cacert).
 */
export async function ensureDevCertificate(tlsDir: string): Promise<void> {
  const cert = join(tlsDir, 'cert.pem')
  if (existsSync(cert)) return
  ensureDir(tlsDir, undefined, 0o700)
  await runChecked('nginx', 'openssl (dev certificate)', bin('openssl'), [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '825',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-keyout',
    join(tlsDir, 'key.pem'),
    '-out',
    cert,
  ])
}

/**
 * The tag nginx puts on every access log line it sends the console (syslog, over UDP), made once
 * and kept beside the certificate. The console counts only lines that carry it: any local process
 * (natively) or container (Docker mode) can send it datagrams, and without the tag 2,000 forged
 * ones made a replica look like 1,000 requests a second. Only the lab's user can read it.
 */
export function ensureSyslogTag(tlsDir: string): string {
  const file = join(tlsDir, 'syslog-tag')
  if (!existsSync(file)) {
    ensureDir(tlsDir, undefined, 0o700)
    // syslog tags are letters, digits and _: 32 hex characters.
    writeFileSync(file, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 })
  }
  return readFileSync(file, 'utf8').trim()
}
