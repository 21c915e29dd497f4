#!/usr/bin/env bash
# The embedded default: migrate, print an admin login and an API key, seed demo data, then run
# a Celery worker and beat (kombu's filesystem broker under var/) next to the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/logs  # var/, the broker queues and the media folder come from the settings

$PY manage.py migrate --no-input -v 0
$PY manage.py seed_demo
$PY manage.py setup_local_admin

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/celery -A nem worker -Q celery,scenechanges --concurrency 2 -l info >var/logs/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A nem beat -l info -s var/celerybeat-schedule >var/logs/beat.log 2>&1 &
pids+=($!)
# ONVIF events: the PullPoint subscriptions of onvif cameras (tamper, motion)
$PY manage.py run_onvif_events >var/logs/onvif-events.log 2>&1 &
pids+=($!)
# Alerts: the one MQTT publisher, when a broker is configured.
if [ -n "${NEM_MQTT_URL:-}" ]; then
  $PY manage.py run_alert_publisher >var/logs/alert-publisher.log 2>&1 &
  pids+=($!)
  echo "MQTT alert publisher running (log in var/logs/alert-publisher.log)."
fi
echo "Celery worker, beat and the ONVIF event process running (logs in var/logs/). Ctrl-C stops everything."
$PY manage.py runserver 127.0.0.1:8000 --noreload
