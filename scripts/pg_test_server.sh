#!/usr/bin/env bash
# Start a local PostgreSQL server for the shared-database test run and print its URL on stdout:
#   export DESK_TEST_DATABASE_URL="$(scripts/pg_test_server.sh)"
# Installs Debian's postgresql package if it is missing; needs root (or sudo). Loopback only.
set -euo pipefail
log() { echo ">> $*" >&2; }
# Only the URL goes to stdout: the caller captures it. Everything the tools print goes to stderr.
exec 3>&1 1>&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

line="$(pg_lsclusters --no-header | head -n1 || true)"
if [ -z "$line" ]; then
  ver="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  log "creating cluster $ver/main"
  $sudo pg_createcluster "$ver" main >/dev/null 3>&-
  line="$(pg_lsclusters --no-header | head -n1)"
fi
read -r ver name port status _ <<<"$line"
if [ "$status" != "online" ]; then
  log "starting cluster $ver/$name on port $port"
  $sudo pg_ctlcluster "$ver" "$name" start 3>&-  # the server must not hold our stdout open
fi
for _ in $(seq 1 30); do
  $sudo runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done

# The local "postgres" superuser logs in by peer auth over the socket; use the socket for set-up.
psql_sock() { $sudo runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"; }
# CREATEDB: each pytest run makes a database of its own beside desk_test and drops it (tests/conftest.py).
if [ "$(psql_sock -c "SELECT 1 FROM pg_roles WHERE rolname='desk'")" != "1" ]; then
  psql_sock -c "CREATE ROLE desk LOGIN PASSWORD 'desk' CREATEDB"
fi
if [ "$(psql_sock -c "SELECT 1 FROM pg_database WHERE datname='desk_test'")" != "1" ]; then
  psql_sock -c "CREATE DATABASE desk_test OWNER desk"
fi
psql_sock -d desk_test -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null 2>&1 || log "pg_trgm not available"
echo "postgresql+psycopg://desk:desk@127.0.0.1:${port}/desk_test" >&3
