#!/bin/sh
# Clones the primary into an empty PGDATA with pg_basebackup: -R writes standby.signal and
# primary_conninfo, so the server started on this directory is a streaming hot standby that
# uses the slot init-primary.sh created. Does nothing if PGDATA already holds a cluster.
#
# Docker mode: run by the replica's entrypoint before the server starts.
# Native mode: run by the lab before the first start of pg-replica.
set -eu
: "${PGDATA:?}" "${PG_PRIMARY_HOST:?}" "${PG_PRIMARY_PORT:?}"
: "${PG_REPLICATION_USER:?}" "${PG_REPLICATION_PASSWORD:?}" "${PG_REPLICATION_SLOT:?}"

if [ -s "$PGDATA/PG_VERSION" ]; then
  exit 0
fi

PGPASSWORD="$PG_REPLICATION_PASSWORD" pg_basebackup \
  --host "$PG_PRIMARY_HOST" --port "$PG_PRIMARY_PORT" --username "$PG_REPLICATION_USER" \
  --pgdata "$PGDATA" --wal-method stream --slot "$PG_REPLICATION_SLOT" \
  --write-recovery-conf --checkpoint fast --no-password
chmod 0700 "$PGDATA"
