#!/bin/bash
# A throwaway PostgreSQL server for tests, in a folder of its own.
#
#   postgres.sh start DIR PORT   initdb into DIR/data, listen on 127.0.0.1:PORT
#                                only (socket in DIR), create role and database
#                                cvw, wait until ready, print the URL
#   postgres.sh stop DIR         stop the server (fast) and remove DIR
#
# Trust authentication, for local sockets and 127.0.0.1 only; fsync stays on,
# so the durability tests test something. PostgreSQL refuses to run as root:
# when we are root, the server runs as the `postgres` user.
set -euo pipefail

readonly MARKER=.cvw-test-postgres  # stop removes only folders start made
readonly READY_TIMEOUT=60

die() { echo "postgres.sh: $*" >&2; exit 1; }

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" && -x "$dir/initdb" ]] || die "no PostgreSQL server under /usr/lib/postgresql/*/bin (apt install postgresql)"
  echo "$dir"
}

# Runs a server program as the user that owns the cluster.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  local dir=$1
  [[ -e "$dir" ]] || return 0
  [[ -f "$dir/$MARKER" ]] || die "refusing to remove $dir: not a folder made by postgres.sh start"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
      echo "postgres.sh: pg_ctl stop failed (server already gone?)" >&2
  fi
  rm -rf -- "$dir"
}

start() {
  local dir=$1 port=$2
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number (got '$port')"
  local bin
  bin=$(bin_dir)
  # A folder left by an interrupted run: its server may still be running.
  stop "$dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  touch "$dir/$MARKER"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the server"
    chown postgres: "$dir"
  fi

  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  cat >"$dir/data/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
EOF
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 40
shared_buffers = 32MB
EOF

  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -W start >/dev/null
  local waited=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
    # Another server on the port would answer pg_isready: check ours runs.
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 && ((waited > 2)); then
      tail -n 20 "$dir/server.log" >&2 || true
      die "the server in $dir did not start (see above)"
    fi
    ((waited += 1))
    ((waited <= READY_TIMEOUT)) || { tail -n 20 "$dir/server.log" >&2 || true; die "not ready after ${READY_TIMEOUT}s"; }
    sleep 1
  done
  as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 ||
    die "something else answers on 127.0.0.1:$port and our server is not running (see $dir/server.log)"

  "$bin/psql" -q -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE cvw LOGIN" -c "CREATE DATABASE cvw OWNER cvw" >/dev/null
  echo "postgresql://cvw@127.0.0.1:$port/cvw"
}

case "${1:-}" in
  start) [[ $# -eq 3 ]] || die "usage: postgres.sh start DIR PORT"; start "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || die "usage: postgres.sh stop DIR"; stop "$2" ;;
  *) die "usage: postgres.sh start DIR PORT | postgres.sh stop DIR" ;;
esac
