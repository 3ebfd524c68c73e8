// `lab reclone`: clones the standby (pg-replica) from the primary again. Needed once the standby
// has fallen further behind than PG_MAX_SLOT_WAL_KEEP_SIZE: the primary dropped the WAL it still
// needed, the slot is "lost", and the standby can never catch up by streaming (its log repeats
// "requested WAL segment ... has already been removed"). The same steps in both modes:
//   1. stop the standby (the slot must be inactive to be dropped);
//   2. init-primary.sh on the primary: drops the lost slot and creates it afresh;
//   3. delete the standby's data;
//   4. start it: its bootstrap finds no data and runs pg_basebackup through the new slot.
// Meanwhile the replicas read from the primary, as whenever the standby is down.
import { rmSync } from 'node:fs'
import type { ComposeStack } from './compose.ts'
import type { Stack } from './stack.ts'

export const STANDBY = 'pg-replica'

export async function recloneNative(stack: Stack): Promise<void> {
  const standby = stack.get(STANDBY)
  const primary = stack.get('pg-primary')
  if (!standby.dataDir || !primary.converge) throw new Error('reclone: no Postgres standby in this stack')
  if (!(await primary.healthy()))
    throw new Error('reclone: pg-primary is not running (make start s=pg-primary)')
  await stack.stop(STANDBY)
  await primary.converge()
  rmSync(standby.dataDir, { recursive: true, force: true })
  await stack.start(STANDBY)
}

export async function recloneDocker(compose: ComposeStack): Promise<void> {
  await compose.run(['rm', '--stop', '--force', STANDBY], { capture: true })
  // As the container's postgres user over its socket (peer): the entrypoint's own bootstrap.
  await compose.run(
    [
      'exec',
      '-T',
      '-e',
      'PGHOST=/var/run/postgresql',
      '-e',
      'PGUSER=postgres',
      'pg-primary',
      'sh',
      '/lab-postgres/init-primary.sh',
    ],
    { capture: true },
  )
  await compose.removeVolume(`${STANDBY}-data`)
  await compose.run(['up', '--detach', '--no-deps', '--wait', '--wait-timeout', '120', STANDBY])
}
