// Docker mode's `reclone` (modes/run-mode.ts says what it is for): the same steps as native
// mode's, on the containers and the standby's volume.
import type { ComposeStack } from './compose.ts'

export async function recloneDocker(compose: ComposeStack): Promise<void> {
  await compose.run(['rm', '--stop', '--force', 'pg-replica'], { capture: true })
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
  await compose.removeVolume('pg-replica-data')
  await compose.run(['up', '--detach', '--no-deps', '--wait', '--wait-timeout', '120', 'pg-replica'])
}
