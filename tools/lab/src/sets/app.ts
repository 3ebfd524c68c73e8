// The TypeScript replicas (services/app): Fastify on Node, at nginx's root.
import { join } from 'node:path'
import { repoRoot } from '../paths.ts'
import type { ReplicaSetRow } from './set.ts'

export const app: ReplicaSetRow = {
  name: 'app',
  label: 'TypeScript app',
  countKey: 'APP_REPLICAS',
  portBaseKey: 'APP_PORT_BASE',
  containerPort: 3000,
  image: 'lb-lab/app:dev',
  prefix: '',
  faults: true,
  cookieKey: 'SESSION_COOKIE_NAME',
  process: (contract) => ({
    command: process.execPath,
    args: [join(repoRoot, 'services/app/src/server.ts')],
    cwd: join(repoRoot, 'services/app'),
    env: contract,
  }),
}
