#!/usr/bin/env bash
# Starts the whole local stack: RabbitMQ, SeaweedFS, the Qdrant Edge gateway, the three
# functions, the API, the broker and the SeaweedFS event source. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh
mkdir -p "$SLUICE_DATA_DIR" "$SLUICE_LOG_DIR" "$SLUICE_RUN_DIR"
started_at=$SECONDS

if [ ! -f dist/functions/split/server.js ] || [ ! -f "$SLUICE_MODEL_DIR/model.onnx" ]; then
  echo "Sluice is not installed yet: run 'make install' (or 'make demo', which installs)." >&2
  exit 1
fi

echo "==> RabbitMQ"
bash stack/rabbitmq.sh start
echo "==> SeaweedFS"
bash stack/seaweedfs.sh start
bash stack/seaweedfs.sh wait

echo "==> Qdrant"
case "$QDRANT_URL" in
  "http://127.0.0.1:$QDRANT_GATEWAY_PORT"|"http://localhost:$QDRANT_GATEWAY_PORT")
    bash stack/component.sh start qdrant-edge-gateway ;;
  *) echo "  using the Qdrant at $QDRANT_URL" ;;
esac

echo "==> OIDC issuer (sender identities)"
bash stack/component.sh start oidc-issuer

echo "==> Functions and API"
# Launch all four, then wait: model loading in embed and api overlaps.
bash stack/component.sh launch split embed index api
bash stack/component.sh ready split embed index api
echo "==> Broker"
bash stack/component.sh start broker
echo "==> SeaweedFS event source"
bash stack/component.sh start seaweedfs-source

echo "Sluice is up in $((SECONDS - started_at))s."
echo "  S3:      $S3_ENDPOINT (bucket $S3_BUCKET)"
echo "  Broker:  $BROKER_URL"
echo "  API:     $SLUICE_API_URL"
echo "  Logs:    $SLUICE_LOG_DIR"
