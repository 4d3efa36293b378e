#!/bin/sh
# The official postgres image's first start, as far as deploy/kubernetes.yaml uses it: an empty
# PGDATA is initialised with POSTGRES_USER (a superuser with POSTGRES_PASSWORD), POSTGRES_DB is
# created, the *.sh (sourced) and *.sql scripts of /docker-entrypoint-initdb.d run against a
# server that listens on its socket only, and then PostgreSQL listens on every address with
# scram-sha-256 passwords.
set -eu
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?is required}"
  export POSTGRES_USER="${POSTGRES_USER:-postgres}"
  export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    echo 'CREATE DATABASE :"db";' | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
      --dbname postgres --no-psqlrc --set db="$POSTGRES_DB" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
               --dbname "$POSTGRES_DB" --no-psqlrc -f "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
if [ "${1:-}" = postgres ]; then
  exec "$@" -c listen_addresses='*'
fi
exec "$@"
