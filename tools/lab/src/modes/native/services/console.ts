// The lab console (services/console): nginx proxies /console/ to it and streams it the access
// log; it probes the replicas and sends the built-in load to nginx. Loopback only.
import { join } from 'node:path'
import { engineOf } from '../../../engines/index.ts'
import type { LabEnv } from '../../../env.ts'
import { consoleStateFile, repoRoot } from '../../../paths.ts'
import { httpOk } from '../../../probes.ts'
import { LOCALHOST } from '../../../topology.ts'
import type { Service } from './service.ts'

/** The origins the console's page is served from (nginx's HTTPS port, by either local name). */
export const consoleOrigins = (env: LabEnv): string =>
  ['127.0.0.1', 'localhost'].map((host) => `https://${host}:${env.port('NGINX_HTTPS_PORT')}`).join(',')

export function consoleService(env: LabEnv): Service {
  const port = env.port('CONSOLE_PORT')
  const syslogPort = env.port('CONSOLE_SYSLOG_PORT')
  return {
    name: 'console',
    dependsOn: [engineOf(env).name],
    port,
    binaries: [],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    startTimeoutMs: 10_000,
    command: () => ({
      command: process.execPath,
      // The page's TypeScript is stripped by Node's own (still experimental) stripper.
      args: ['--disable-warning=ExperimentalWarning', join(repoRoot, 'services/console/src/server.ts')],
      env: {
        CONSOLE_HOST: LOCALHOST,
        CONSOLE_PORT: String(port),
        CONSOLE_SYSLOG_PORT: String(syslogPort),
        // Written by the balancer's render (engines/console-state.ts), beside its config.
        CONSOLE_STATE_FILE: consoleStateFile,
        CONSOLE_TARGET: `http://${LOCALHOST}:${env.port('NGINX_HTTP_PORT')}`,
        CONSOLE_TRUST_PROXY: LOCALHOST,
        CONSOLE_LOCAL_CLIENTS: `${LOCALHOST},::1`,
        CONSOLE_ORIGINS: consoleOrigins(env),
        CONSOLE_TOKEN: env.values.get('CONSOLE_TOKEN') ?? '',
      },
      cwd: repoRoot,
    }),
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/console/health`),
    url: `https://${LOCALHOST}:${env.port('NGINX_HTTPS_PORT')}/console/`,
  }
}
