#!/bin/sh
# Docker mode's entrypoint for both Postgres servers, as the postgres user (compose.yaml): the
# same steps as native mode, from the same scripts, so the official image and a local stand-in
# behave alike (it needs only Postgres's binaries on PATH and PGDATA, not the image's entrypoint).
#   entrypoint.sh primary|replica [postgres option...]
# A new primary: initdb, then init-primary.sh against a server that listens on its socket only
# until that is done. A new replica: init-replica.sh (pg_basebackup). Then postgres itself.
set -eu
role=$1
shift
: "${PGDATA:?}"
export LANG=C.UTF-8

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  case $role in
  primary)
    : "${POSTGRES_PASSWORD:?}"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    # The replicas, exporters and the standby connect from other containers.
    echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    PGHOST=/var/run/postgresql PGUSER=postgres sh "$(dirname "$0")/init-primary.sh"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    ;;
  replica)
    sh "$(dirname "$0")/init-replica.sh"
    ;;
  *)
    echo "usage: $0 primary|replica [postgres option...]" >&2
    exit 2
    ;;
  esac
fi
exec postgres -c listen_addresses='*' "$@"
