// Docker mode's config service makes its certificate with the same function (docker-render.ts).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { bin, ensureDir, runChecked } from './service.ts'

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
