#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: fast (fsync off), on 127.0.0.1 and a free port, with a random password.
#
#   export WORKSPACES_TEST_POSTGRES="$(scripts/postgres-for-tests.sh start)"
#   dotnet test
#   scripts/postgres-for-tests.sh stop
#
# start   starts the server (or finds the one already started from this checkout) and prints its connection string
#         on stdout; everything else goes to stderr. Tests create and drop their own databases on it.
# stop    stops it and deletes its data. Does nothing if it is not running.
# status  prints the connection string and exits 0 if it is running, exits 1 otherwise.
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user (created by the Debian
# package). When the server binaries are missing, root installs the `postgresql` package; anyone else is told to.
# The state (data directory, port, password) is kept in <checkout>/.test/postgres.env, so several checkouts on one
# machine each get their own server. Override with WORKSPACES_TEST_POSTGRES_STATE=/path/to/file.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_file="${WORKSPACES_TEST_POSTGRES_STATE:-$repo_root/.test/postgres.env}"
[[ "$state_file" == /* ]] || state_file="$PWD/$state_file"
# The postgres user may not be allowed into the current directory (e.g. under /root).
cd /

log() { printf 'postgres-for-tests: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.
find_bindir() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
        return 0
    fi
    return 1
}

ensure_server_binaries() {
    if bindir="$(find_bindir)"; then
        return 0
    fi
    if [[ "$(id -u)" -ne 0 ]]; then
        die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them, e.g. on Debian/Ubuntu: sudo apt-get install -y postgresql"
    fi
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries (initdb, pg_ctl) not found and apt-get is not available: install the PostgreSQL server for this system."
    log "installing PostgreSQL (apt-get install -y postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    bindir="$(find_bindir)" || die "installed postgresql but still cannot find initdb/pg_ctl"
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise. File descriptor 9 holds
# this script's lock: close it so the server (started through pg_ctl) does not inherit it and keep it forever.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@" 9>&-
    else
        "$@" 9>&-
    fi
}

ensure_postgres_user() {
    [[ "$(id -u)" -eq 0 ]] || return 0
    if ! id postgres >/dev/null 2>&1; then
        log "creating the postgres system user"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
}

connection_string() {
    printf 'Host=127.0.0.1;Port=%s;Username=postgres;Password=%s\n' "$PG_PORT" "$PG_PASSWORD"
}

load_state() {
    [[ -f "$state_file" ]] || return 1
    # shellcheck disable=SC1090
    source "$state_file"
    [[ -n "${PG_BASE:-}" && -n "${PG_PORT:-}" && -n "${PG_PASSWORD:-}" && -n "${PG_BINDIR:-}" ]]
}

is_running() {
    load_state || return 1
    [[ -d "$PG_BASE/data" ]] || return 1
    as_owner "$PG_BINDIR/pg_ctl" status -D "$PG_BASE/data" >/dev/null 2>&1
}

port_is_free() {
    # A refused connection means nobody listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 30000 ))
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

cleanup_stale() {
    if load_state; then
        if [[ -d "$PG_BASE/data" ]]; then
            as_owner "$PG_BINDIR/pg_ctl" stop -D "$PG_BASE/data" -m immediate >/dev/null 2>&1 || true
        fi
        [[ "$PG_BASE" == */workspaces-test-postgres.* ]] && rm -rf -- "$PG_BASE"
    fi
    rm -f -- "$state_file"
}

start() {
    if is_running; then
        connection_string
        return 0
    fi
    cleanup_stale

    ensure_server_binaries
    ensure_postgres_user

    PG_BINDIR="$bindir"
    PG_PASSWORD="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    PG_BASE="$(mktemp -d "${TMPDIR:-/tmp}/workspaces-test-postgres.XXXXXX")"
    chmod 755 "$PG_BASE"
    mkdir -p "$PG_BASE/socket"
    printf '%s\n' "$PG_PASSWORD" >"$PG_BASE/pwfile"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown -R postgres:postgres "$PG_BASE"
    fi

    log "initdb in $PG_BASE/data ($("$PG_BINDIR/postgres" --version))"
    as_owner "$PG_BINDIR/initdb" -D "$PG_BASE/data" -U postgres --pwfile="$PG_BASE/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync --no-instructions >"$PG_BASE/initdb.log" 2>&1 \
        || { cat "$PG_BASE/initdb.log" >&2; die "initdb failed"; }
    rm -f -- "$PG_BASE/pwfile"

    # Durability is worthless for a throwaway server: trade it for speed.
    local options="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_BASE/socket"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    options+=" -c wal_level=minimal -c max_wal_senders=0 -c max_connections=300 -c shared_buffers=64MB"

    for attempt in 1 2 3 4 5; do
        PG_PORT="$(random_port)" || die "no free TCP port found on 127.0.0.1"
        if as_owner "$PG_BINDIR/pg_ctl" start -D "$PG_BASE/data" -l "$PG_BASE/server.log" -w -t 30 \
            -o "$options -c port=$PG_PORT" >/dev/null; then
            printf 'PG_BASE=%q\nPG_PORT=%q\nPG_PASSWORD=%q\nPG_BINDIR=%q\n' \
                "$PG_BASE" "$PG_PORT" "$PG_PASSWORD" "$PG_BINDIR" >"$state_file"
            log "running on 127.0.0.1:$PG_PORT (log: $PG_BASE/server.log; stop with: $0 stop)"
            connection_string
            return 0
        fi
        log "start on port $PG_PORT failed (attempt $attempt), retrying on another port"
        tail -n 5 "$PG_BASE/server.log" >&2 || true
    done
    die "could not start PostgreSQL; see $PG_BASE/server.log"
}

stop() {
    if ! load_state; then
        log "not running"
        return 0
    fi
    if [[ -d "$PG_BASE/data" ]]; then
        as_owner "$PG_BINDIR/pg_ctl" stop -D "$PG_BASE/data" -m fast -w -t 30 >/dev/null 2>&1 \
            || as_owner "$PG_BINDIR/pg_ctl" stop -D "$PG_BASE/data" -m immediate >/dev/null 2>&1 || true
    fi
    cleanup_stale
    log "stopped"
}

status() {
    if is_running; then
        connection_string
        return 0
    fi
    log "not running"
    return 1
}

# Two test runs starting at once must not both start a server for the same state file.
with_lock() {
    mkdir -p "$(dirname "$state_file")"
    exec 9>"$state_file.lock"
    flock 9
    "$@"
}

case "${1:-}" in
    start) with_lock start ;;
    stop) with_lock stop ;;
    status) status ;;
    *) die "usage: $0 start|stop|status" ;;
esac
