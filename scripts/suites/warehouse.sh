#!/usr/bin/env bash
# The warehouse suite: the query of `journeysim sql` executed on DuckDB, PostgreSQL 15 and Spark
# (local mode) over one generated event log, each result compared with `journeysim aggregate`;
# BigQuery and Snowflake queries parsed with sqlglot (tests/python/warehouse/test_engines.py).
#
# Sets up what is missing: the pinned Python packages (scripts/python-env.sh), PostgreSQL 15's
# server (apt-get), Java 17 for Spark (apt-get). Starts a throwaway PostgreSQL cluster under a
# temporary directory on a free loopback port and stops it on exit. Reuses the release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

PY=$(scripts/python-env.sh)
[ -x target/release/journeysim ] || cargo build --locked --release >&2

pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/initdb" ]; then
    echo "warehouse.sh: installing PostgreSQL 15" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi
if ! java -version >/dev/null 2>&1; then
    echo "warehouse.sh: installing Java 17 for Spark" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
fi

# PostgreSQL refuses to run as root: run the server as the postgres user (or nobody) then.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    pguser=postgres
    id "$pguser" >/dev/null 2>&1 || pguser=nobody
    as_pg=(runuser -u "$pguser" --)
fi
pgdir=$(mktemp -d)
[ ${#as_pg[@]} -eq 0 ] || chown "${as_pg[2]}" "$pgdir"
stop_pg() {
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}
trap stop_pg EXIT
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The default collation is ICU en-US (linguistic, 'a' < 'Z'), so byte order has to come from
# the query's COLLATE "C".
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 \
    --locale-provider=icu --icu-locale=en-US --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -w -l "$pgdir/log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off" start >/dev/null

export JOURNEYSIM_BIN=$root/target/release/journeysim JOURNEYSIM_PG_PORT=$port
"$PY" -m pytest -q -p no:cacheprovider --durations=5 tests/python/warehouse
