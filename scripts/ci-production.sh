#!/usr/bin/env bash
# The README's production recipe, run as an operator would on a clean machine: a fresh venv from
# requirements.txt alone (no dev tools), PostgreSQL + Redis, then migrate, collectstatic, a superuser,
# an API key, gunicorn, a Celery worker and beat, the ONVIF event process and the MQTT alert publisher.
# Checks /ready, the admin stylesheet and the docs assets through gunicorn, the publisher's birth
# message, that beat's periodic job ran on the worker, and that no log has a traceback.
# Then the worker and beat again with RabbitMQ as the broker.
#
# Usage: scripts/ci-production.sh   (needs PostgreSQL on 127.0.0.1:5432, Redis 6379, RabbitMQ 5672)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "production recipe: FAILED: $*" >&2; for f in "$work"/logs/*.log; do echo "--- $f" >&2; tail -n 40 "$f" >&2; done; exit 1; }

echo "--- fresh venv from requirements.txt only"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check -r requirements.txt >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
if "$work/venv/bin/python" -c "import pytest" 2>/dev/null; then fail "pytest is in the production venv"; fi
bin="$work/venv/bin"

db="nem_prod_recipe_$$"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
mkdir -p "$work/media/front_door" "$work/logs" "$work/state"

export DEBUG=false
SECRET_KEY=$("$bin/python" -c "import secrets; print(secrets.token_urlsafe(50))")
export SECRET_KEY
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export REDIS_URL="redis://127.0.0.1:6379/12"
export NEM_CACHE_PREFIX="nem-prod-recipe-$$"
export ALLOWED_HOSTS=127.0.0.1
export NEM_MEDIA_ROOT="$work/media"
export NEM_VAR_DIR="$work/state"
export NEM_ONVIF_MULTICAST=false
export NEM_MQTT_URL=mqtt://127.0.0.1:1883 NEM_MQTT_TOPIC_PREFIX="nem-recipe-$$" NEM_MQTT_DISCOVERY_PREFIX="ha-recipe-$$"
export DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_EMAIL=admin@example.org
DJANGO_SUPERUSER_PASSWORD=$("$bin/python" -c "import secrets; print(secrets.token_urlsafe(16))")
export DJANGO_SUPERUSER_PASSWORD
port=$("$bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
base="http://127.0.0.1:$port"

run_recipe() {
  local broker_name=$1 broker_url=$2
  export CELERY_BROKER_URL=$broker_url
  echo "--- recipe with the $broker_name broker"
  "$bin/python" manage.py migrate --no-input -v 0 >"$work/logs/migrate-$broker_name.log" 2>&1 || fail "migrate"
  "$bin/python" manage.py collectstatic --no-input -v 0 >"$work/logs/collectstatic-$broker_name.log" 2>&1 || fail "collectstatic"
  "$bin/python" manage.py check --deploy --fail-level ERROR >"$work/logs/check-$broker_name.log" 2>&1 || fail "check --deploy"
  if [ "$broker_name" = redis ]; then
    "$bin/python" manage.py createsuperuser --no-input >"$work/logs/createsuperuser.log" 2>&1 || fail "createsuperuser"
    key=$("$bin/python" manage.py create_api_key ci-frontend 2>"$work/logs/create_api_key.log") || fail "create_api_key"
    [[ $key == nem_* ]] || fail "create_api_key printed no key"
  fi
  psql -h 127.0.0.1 -U postgres -d "$db" -qc "DELETE FROM nem_jobrun" >/dev/null

  "$bin/gunicorn" nem.wsgi -b "127.0.0.1:$port" -w 2 --access-logformat '%(h)s "%(m)s %(U)s" %(s)s' \
    --access-logfile "$work/logs/gunicorn-$broker_name.log" --error-logfile "$work/logs/gunicorn-$broker_name.log" &
  pids+=($!)
  "$bin/celery" -A nem worker -Q celery,scenechanges --concurrency 2 -l info >"$work/logs/worker-$broker_name.log" 2>&1 &
  pids+=($!)
  "$bin/celery" -A nem beat -l info -s "$work/state/celerybeat-schedule-$broker_name" >"$work/logs/beat-$broker_name.log" 2>&1 &
  pids+=($!)
  "$bin/python" manage.py run_onvif_events >"$work/logs/onvif-events-$broker_name.log" 2>&1 &
  pids+=($!)
  "$bin/python" manage.py run_alert_publisher >"$work/logs/alert-publisher-$broker_name.log" 2>&1 &
  pids+=($!)

  local ok=""
  for _ in $(seq 60); do
    if curl -fsS "$base/ready" -o "$work/ready.json" 2>/dev/null; then ok=1; break; fi
    sleep 1
  done
  [ -n "$ok" ] || fail "/ready never answered 200 ($(curl -s "$base/ready"))"
  grep -q '"broker":"ok"' "$work/ready.json" || fail "/ready: broker not ok: $(cat "$work/ready.json")"
  grep -q '"media_root":"ok"' "$work/ready.json" || fail "/ready: media root not ok"

  for asset in /static/admin/css/base.css /static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js; do
    # collectstatic's manifest renames files; the unhashed name must still be served
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base$asset")
    [ "$code" = 200 ] || fail "$asset answered $code through gunicorn"
  done
  docs=$(curl -fsS "$base/api/docs/") || fail "/api/docs/"
  bundle=$(grep -o '/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle[^"]*\.js' <<<"$docs" | head -n1)
  [ -n "$bundle" ] || fail "the docs page links no bundled Swagger UI"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base$bundle")" = 200 ] || fail "docs asset $bundle"
  login=$(curl -fsS "$base/admin/login/") || fail "/admin/login/"
  css=$(grep -o '/static/admin/css/base[^"]*\.css' <<<"$login" | head -n1)
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base$css")" = 200 ] || fail "admin stylesheet $css"

  if [ "$broker_name" = redis ]; then
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$base/api/cameras")" = 200 ] || fail "API with the new key"
  fi

  # the MQTT publisher announces itself (retained birth message)
  "$bin/python" - "$NEM_MQTT_TOPIC_PREFIX/available" <<'PY' || fail "the alert publisher never said online on MQTT"
import sys, threading
import paho.mqtt.client as mqtt
got = threading.Event()
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
client.on_connect = lambda c, *a: c.subscribe(sys.argv[1], qos=1)
client.on_message = lambda c, u, m: m.payload == b"online" and got.set()
client.connect("127.0.0.1", 1883)
client.loop_start()
ok = got.wait(60)
client.loop_stop()
sys.exit(0 if ok else 1)
PY

  # beat sends scan-media every 30 s; the worker runs it and records the run
  ok=""
  for _ in $(seq 90); do
    if curl -fsS "$base/ready" | "$bin/python" -c \
      "import json,sys; sys.exit(0 if json.load(sys.stdin)['jobs']['scan-media']['last_run_at'] else 1)"; then
      ok=1; break
    fi
    sleep 1
  done
  [ -n "$ok" ] || fail "beat's scan-media never ran on the worker"

  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  if grep -l "Traceback" "$work"/logs/*-"$broker_name".log; then fail "a traceback in the logs above"; fi
  echo "--- recipe with the $broker_name broker: ok"
}

run_recipe redis "redis://127.0.0.1:6379/13"
run_recipe rabbitmq "amqp://guest:guest@127.0.0.1:5672//"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
echo "production recipe: ok"
