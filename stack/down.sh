#!/usr/bin/env bash
# Stops the local stack in the reverse order of start-up. Data stays in $SLUICE_DATA_DIR.
# --keep-rabbitmq leaves the (machine-wide) RabbitMQ server running.
set -uo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh
bash stack/component.sh stop seaweedfs-source broker api index embed split oidc-issuer qdrant-edge-gateway
bash stack/seaweedfs.sh stop
if [ "${1:-}" != "--keep-rabbitmq" ]; then bash stack/rabbitmq.sh stop; fi
echo "Sluice is down. Data kept in $SLUICE_DATA_DIR."
