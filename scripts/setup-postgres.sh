#!/usr/bin/env bash
# Idempotent: a PostgreSQL server on 127.0.0.1 for the Postgres store's tests (the contract suite, replicas).
#   - Debian's postgresql (15), installed if missing
#   - a cluster of its own in /var/lib/rollback-bot-test/postgres (initdb as the postgres user), listening on
#     127.0.0.1:${ROLLBACK_TEST_PG_PORT:-54329} only, started with pg_ctl (no systemd needed)
#   - a role and a database for the tests: postgres://rollback:pg-test-3c9f1e7a@127.0.0.1:54329/rollback_test
#     (the password is not a word: the bot redacts its database password from every message and log line, and a
#     password "rollback" would blank that word out of the tests' messages)
# Needs root (apt-get, and running as the postgres user). Safe to run again: every step checks before it acts.
set -euo pipefail

PORT=${ROLLBACK_TEST_PG_PORT:-54329}
STATE_DIR=/var/lib/rollback-bot-test
DATA=$STATE_DIR/postgres
LOG_DIR=/var/log/rollback-bot-test
mkdir -p "$STATE_DIR" "$LOG_DIR"

log() { printf '[setup-postgres] %s\n' "$*"; }

# --- packages -------------------------------------------------------------------------
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bin_dir)" ] || [ ! -x "$(bin_dir)/initdb" ]; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN=$(bin_dir)
as_postgres() { runuser -u postgres -- "$@"; }

# --- the cluster ----------------------------------------------------------------------
if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initdb in $DATA"
  mkdir -p "$DATA"
  chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
  pwfile=$(mktemp)
  echo postgres >"$pwfile"
  chown postgres "$pwfile"
  as_postgres "$BIN/initdb" -D "$DATA" -A scram-sha-256 -U postgres --pwfile="$pwfile" >/dev/null
  rm -f "$pwfile"
fi
touch "$LOG_DIR/postgres.log"
chown postgres:postgres "$LOG_DIR/postgres.log"
if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting postgres on 127.0.0.1:$PORT (log: $LOG_DIR/postgres.log)"
  # The socket goes to the data directory: /var/run/postgresql may not exist without the Debian service.
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c max_connections=200 -c fsync=off" start >/dev/null
fi

# --- the tests' role and database ------------------------------------------------------
psql_admin() { PGPASSWORD=postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
PASSWORD=pg-test-3c9f1e7a
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'rollback'")" != 1 ]; then
  psql_admin -c "CREATE ROLE rollback LOGIN PASSWORD '$PASSWORD'"
else
  psql_admin -c "ALTER ROLE rollback PASSWORD '$PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'rollback_test'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE rollback_test OWNER rollback"
fi
log "ready: postgres://rollback:…@127.0.0.1:$PORT/rollback_test"
