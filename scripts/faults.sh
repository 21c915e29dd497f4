#!/usr/bin/env bash
# make faults: the long fault scenarios (scripts/faults/scenarios.py) against a PRIVATE PostgreSQL
# cluster (initdb in a temp dir, its own port) and a private Redis, both on 127.0.0.1, so the
# machine's own PostgreSQL and Redis are never stopped. Everything started here is stopped on
# exit, failure or Ctrl-C (trap); the logs are kept in reports/faults/.
#   bash scripts/faults.sh [postgres-restart] [worker-killed] [duplicate-scan]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
work=$(mktemp -d /tmp/nem-faults.XXXXXX)
pgdata="$work/pgdata"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
redis_port=$(free_port)

cleanup() {
  status=$?
  set +e
  for pidfile in "$work"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  sleep 1
  for pidfile in "$work"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  done
  if [ -f "$pgdata/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  fi
  mkdir -p reports/faults
  cp "$work"/*.log reports/faults/ 2>/dev/null
  cp "$pgdata/log" reports/faults/postgres.log 2>/dev/null
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

echo "faults: private PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port, work dir $work"
chown postgres "$work" 2>/dev/null || true
chmod 755 "$work"
runuser -u postgres -- "$PG_BIN/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -w -l "$pgdata/log" \
  -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

"$PY" scripts/faults/scenarios.py --workdir "$work" --pgdata "$pgdata" --pg-port "$pg_port" \
  --redis-port "$redis_port" "$@"
