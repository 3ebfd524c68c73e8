#!/bin/sh
# Prepares a Postgres primary for the lab: the app's non-superuser role and database, the
# replication role and physical slot the streaming replica uses, the exporter's monitoring
# role, and the hba line letting the replica stream from another host.
#
# Docker mode: run by entrypoint.sh on a new data directory, and by `make reclone`.
# Native mode: the lab runs it on every `up`; every step is idempotent and every password
# (POSTGRES_PASSWORD's too, when set) is re-applied, so editing .env and running `make up` takes
# effect.
#
# Needs: psql reaching the primary as a superuser (libpq env: PGHOST, PGPORT, PGUSER...),
# PGDATA, and the PG_* variables below.
set -eu
: "${PGDATA:?}" "${PG_DATABASE:?}" "${PG_USER:?}" "${PG_PASSWORD:?}"
: "${PG_REPLICATION_USER:?}" "${PG_REPLICATION_PASSWORD:?}" "${PG_REPLICATION_SLOT:?}"
: "${PG_MONITOR_USER:?}" "${PG_MONITOR_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --dbname postgres \
  -v superuser_password="${POSTGRES_PASSWORD:-}" \
  -v app_user="$PG_USER" -v app_password="$PG_PASSWORD" -v app_db="$PG_DATABASE" \
  -v repl_user="$PG_REPLICATION_USER" -v repl_password="$PG_REPLICATION_PASSWORD" \
  -v slot="$PG_REPLICATION_SLOT" \
  -v monitor_user="$PG_MONITOR_USER" -v monitor_password="$PG_MONITOR_PASSWORD" <<'SQL'
-- \gexec runs each generated statement: it gives CREATE ... IF NOT EXISTS to roles and
-- databases, which Postgres lacks, while psql variables stay safely quoted (%I, %L).
-- The superuser's password too, when given: .env stays the one place every password comes from.
SELECT format('ALTER ROLE postgres PASSWORD %L', :'superuser_password')
 WHERE :'superuser_password' <> '' \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'app_user', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') \gexec

SELECT format('CREATE ROLE %I REPLICATION LOGIN', :'repl_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl_user') \gexec
SELECT format('ALTER ROLE %I WITH REPLICATION LOGIN PASSWORD %L', :'repl_user', :'repl_password') \gexec
-- The exporter reads statistics only: pg_monitor, nothing else.
SELECT format('CREATE ROLE %I LOGIN', :'monitor_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'monitor_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER PASSWORD %L', :'monitor_user', :'monitor_password') \gexec
SELECT format('GRANT pg_monitor TO %I', :'monitor_user') \gexec

-- The slot makes the primary keep WAL the replica has not received yet, so a replica that was
-- stopped or paused catches up instead of needing a new base backup, up to
-- max_slot_wal_keep_size. Past it the WAL is gone and the slot "lost": the standby behind it
-- can never catch up. A lost slot is dropped here and made afresh, so the next clone
-- (`make reclone`) starts from a slot in a known state.
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE slot_name = :'slot' AND wal_status = 'lost' AND NOT active;
SELECT pg_create_physical_replication_slot(:'slot')
 WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = :'slot');
SQL

line="host replication $PG_REPLICATION_USER all scram-sha-256"
if ! grep -qxF "$line" "$PGDATA/pg_hba.conf"; then
  printf '%s\n' "$line" >> "$PGDATA/pg_hba.conf"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --dbname postgres -c 'SELECT pg_reload_conf()' > /dev/null
fi
