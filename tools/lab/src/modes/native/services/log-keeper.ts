import { join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { logFile, repoRoot, stateRoot } from '../../../paths.ts'
import { parseSize } from '../log-rotation.ts'
import { livePid } from '../procs.ts'
import type { Service } from './service.ts'

/**
 * Caps every log in the state folder as Docker mode caps its containers' (LOG_MAX_SIZE, three
 * files): see log-rotation.ts. First up, last down, so no service runs with its log unwatched.
 */
export function logKeeper(env: LabEnv): Service {
  const name = 'log-keeper'
  const maxBytes = parseSize(env.get('LOG_MAX_SIZE'))
  // HAProxy's access log arrives as datagrams (log-keeper.ts says why); taken whichever engine
  // runs now, so that `up` with another LB_ENGINE needs no new log-keeper.
  const syslogPort = env.port('LOG_KEEPER_SYSLOG_PORT')
  return {
    name,
    dependsOn: [],
    binaries: [],
    // UDP: the free-port check before start is for TCP listeners.
    port: syslogPort,
    ports: [],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    startTimeoutMs: 5000,
    command: () => ({
      command: process.execPath,
      args: [
        join(repoRoot, 'tools/lab/src/modes/native/log-keeper.ts'),
        stateRoot,
        String(maxBytes),
        '5000',
        String(syslogPort),
        logFile('haproxy'),
      ],
      env: { PATH: process.env.PATH ?? '' },
      cwd: repoRoot,
    }),
    healthy: async () => livePid(name) !== undefined,
  }
}
