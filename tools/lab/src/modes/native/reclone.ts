// Native mode's `reclone` (modes/run-mode.ts says what it is for): the standby stopped, the
// primary's slot made afresh by its bootstrap (converge: init-primary.sh), the standby's data
// deleted, the standby started: its bootstrap finds no data and runs pg_basebackup.
import { rmSync } from 'node:fs'
import type { Stack } from './stack.ts'

export async function recloneNative(stack: Stack): Promise<void> {
  const standby = stack.get('pg-replica')
  const primary = stack.get('pg-primary')
  if (!standby.dataDir || !primary.converge) throw new Error('reclone: no Postgres standby in this stack')
  if (!(await primary.healthy()))
    throw new Error('reclone: pg-primary is not running (make start s=pg-primary)')
  await stack.stop('pg-replica')
  await primary.converge()
  rmSync(standby.dataDir, { recursive: true, force: true })
  await stack.start('pg-replica')
}
