#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test run (used by scripts/test.sh).
#
#   scripts/postgres.sh start DIR   initdb into DIR/data, start a server whose only socket is in DIR
#                                   (no TCP), create the database, print its SQLAlchemy URL
#   scripts/postgres.sh stop DIR    stop that server and remove DIR
#
# Needs Debian's postgresql package (server binaries in /usr/lib/postgresql/*/bin). As root the
# server runs as the `postgres` user, which owns DIR. Durability is off (fsync): nothing here is kept.
set -euo pipefail

PORT=55432          # not the default 5432; only names the socket file, nothing listens on TCP
DBNAME=intake_test

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "$0: PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -A trust -U "$owner" -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/createdb" -h "$dir" -p "$PORT" -U "$owner" "$DBNAME"
    echo "postgresql+psycopg://$owner@/$DBNAME?host=$dir&port=$PORT"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
