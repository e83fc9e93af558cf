#!/usr/bin/env bash
# start|stop|kill|restart|status NAME: one Node/Python component of the local stack. The one place
# that knows how each component is launched; up.sh, down.sh and the tests all go through it.
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh
source stack/proc.sh

# BROKER_SUBSCRIBERS, when unset, defaults in one place: lib/config/broker.ts (from the *_PORT values exported above).

# Each component is handed its own sender identity at the local OIDC issuer (and nothing else):
# client id = its service account name, the secret in a file only it is told about.
export OIDC_ISSUER_DIR="$SLUICE_DATA_DIR/oidc"
as_identity() {
  OIDC_CLIENT_ID="$1" OIDC_CLIENT_SECRET_FILE="$OIDC_ISSUER_DIR/clients/$1.secret" K_SERVICE="$1" "${@:2}"
}

launch() {
  case "$1" in
    oidc-issuer)      proc_start "$1" node dist/local/oidc-issuer/main.js ;;
    qdrant-edge-gateway) proc_start "$1" .venv/bin/python local/qdrant-edge-gateway/gateway.py \
                           --data-dir "$SLUICE_DATA_DIR/qdrant" --host "$SLUICE_BIND" --port "$QDRANT_GATEWAY_PORT" ;;
    split)            as_identity sluice-split proc_start "$1" node dist/functions/split/server.js ;;
    embed)            as_identity sluice-embed proc_start "$1" node dist/functions/embed/server.js ;;
    index)            as_identity sluice-index proc_start "$1" node dist/functions/index/server.js ;;
    # The console's pipeline view samples this stack's components: K_SERVICE (set above for the
    # Knative contract) would otherwise tell the API it runs under Knative and scrape nothing.
    api)              PIPELINE_METRICS_TARGETS=${PIPELINE_METRICS_TARGETS:-split=http://127.0.0.1:$SPLIT_PORT/metrics,embed=http://127.0.0.1:$EMBED_PORT/metrics,index=http://127.0.0.1:$INDEX_PORT/metrics,broker=http://127.0.0.1:$BROKER_PORT/metrics} \
                        as_identity sluice-api proc_start "$1" node dist/services/api/main.js ;;
    broker)           as_identity sluice-broker proc_start "$1" node dist/local/broker/main.js ;;
    seaweedfs-source) as_identity sluice-seaweedfs-source proc_start "$1" node dist/services/seaweedfs-source/main.js ;;
    # Test only: the OpenAI-compatible embedding server with fault injection (test/chaos).
    chaos-embedding)  proc_start "$1" node --import tsx test/chaos/embedding-server.ts --host 127.0.0.1 --port "$CHAOS_EMBEDDING_PORT" ;;
    *) echo "unknown component: $1" >&2; exit 2 ;;
  esac
}

ready() {
  case "$1" in
    qdrant-edge-gateway) wait_http "$1" "http://127.0.0.1:$QDRANT_GATEWAY_PORT/readyz" 60 ;;
    oidc-issuer) wait_http "$1" "http://127.0.0.1:$OIDC_ISSUER_PORT/healthz" ;;
    split)  wait_http "$1" "http://127.0.0.1:$SPLIT_PORT/health/readiness" ;;
    embed)  wait_http "$1" "http://127.0.0.1:$EMBED_PORT/health/readiness" ;;
    index)  wait_http "$1" "http://127.0.0.1:$INDEX_PORT/health/readiness" ;;
    api)    wait_http "$1" "http://127.0.0.1:$API_PORT/health/readiness" ;;
    broker) wait_http "$1" "http://127.0.0.1:$BROKER_PORT/healthz" ;;
    chaos-embedding) wait_http "$1" "http://127.0.0.1:$CHAOS_EMBEDDING_PORT/health" 120 ;;
    seaweedfs-source)
      sleep 0.5
      proc_running "$1" || { echo "ERROR: seaweedfs-source exited:" >&2; tail -n 30 "$SLUICE_LOG_DIR/$1.log" >&2; exit 1; } ;;
  esac
}

action=${1:?usage: component.sh start|stop|restart|status NAME...}; shift
for name in "$@"; do
  case "$action" in
    start)   launch "$name"; ready "$name" ;;
    launch)  launch "$name" ;;
    ready)   ready "$name" ;;
    stop)    proc_stop "$name" "${STOP_GRACE_SECONDS:-20}" ;;
    kill)    pid=$(proc_pid "$name") && kill -KILL "$pid" 2>/dev/null; rm -f "$SLUICE_RUN_DIR/$name.pid" ;;
    restart) proc_stop "$name" 20; launch "$name"; ready "$name" ;;
    status)  if proc_running "$name"; then echo "$name running (pid $(proc_pid "$name"))"; else echo "$name stopped"; fi ;;
    *) echo "unknown action: $action" >&2; exit 2 ;;
  esac
done
