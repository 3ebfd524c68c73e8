#!/bin/sh
# Docker mode's pg-replica entrypoint: on an empty data directory, clone the primary
# (init-replica.sh, as the postgres user), then hand over to the official image's entrypoint,
# which finds a cluster and starts it as a hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  gosu postgres sh /lab-postgres/init-replica.sh
fi
exec docker-entrypoint.sh "$@"
