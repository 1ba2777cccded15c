#!/bin/bash
# Entry point of the supabase/postgres stand-in, shaped like the official postgres image's:
# POSTGRES_PASSWORD is required; the first start runs initdb (bootstrap superuser supabase_admin,
# as the real image's POSTGRES_USER) and init.sql; then postgres serves port 5432 with passwords.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
bin=/usr/lib/postgresql/15/bin
data="${PGDATA:-/var/lib/postgresql/data}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ ! -s "$data/PG_VERSION" ]; then
  mkdir -p "$data" /var/run/postgresql
  chown postgres:postgres "$data" /var/run/postgresql
  chmod 700 "$data"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres "$bin/initdb" -D "$data" -U supabase_admin --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C > /dev/null
  rm -f "$pwfile"
  as_postgres "$bin/pg_ctl" -D "$data" -o "-c listen_addresses='' -c shared_preload_libraries=dbharness_rules" \
    -w start > /dev/null
  as_postgres psql -q -v ON_ERROR_STOP=1 -U supabase_admin -d postgres \
    --set=pgpass="$POSTGRES_PASSWORD" -f /usr/local/share/dbharness-init.sql
  as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop > /dev/null
  echo "host all all all scram-sha-256" >> "$data/pg_hba.conf"
  echo "stand-in: initialised"
fi
# dbharness_rules stands in for the real image's supautils: the platform's rules for postgres
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$data" -c listen_addresses='*' \
  -c shared_preload_libraries=dbharness_rules
