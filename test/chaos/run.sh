#!/usr/bin/env bash
# The chaos suite on an isolated stack it starts and stops itself (like test/run.sh):
#   bash test/chaos/run.sh [--short|--long] [--seed N] [--restart-rabbitmq]
# SLUICE_TEST_ENV names the stack file (ports, data directory, vhost; default test/stack.env).
# embed runs with EMBED_BACKEND=openai against test/chaos/embedding-server.ts (the real model,
# plus injectable delays and 429/503 answers) on CHAOS_EMBEDDING_PORT (default API_PORT + 6).
# --restart-rabbitmq restarts the whole (machine-wide) RabbitMQ node once: only on a machine
# of your own or in CI; without it, broker faults close this stack's vhost connections only.
set -euo pipefail
cd "$(dirname "$0")/../.."
test_env_file=${SLUICE_TEST_ENV:-test/stack.env}

set -a; source "$test_env_file"; set +a
source stack/env.sh
export CHAOS_EMBEDDING_PORT=${CHAOS_EMBEDDING_PORT:-$((API_PORT + 6))}
export EMBED_BACKEND=openai EMBED_API_URL="http://127.0.0.1:$CHAOS_EMBEDDING_PORT" EMBED_API_MODEL=all-MiniLM-L6-v2

echo "==> Chaos: unit tests of the suite's own logic"
node --import tsx --test --test-reporter=dot test/chaos/*.test.ts

python3 test/corpus/prepare.py --out "$SLUICE_ROOT/.sluice/corpus" >/dev/null
export SLUICE_CORPUS_DIR="$SLUICE_ROOT/.sluice/corpus"
source stack/isolated.sh
start_isolated_stack chaos chaos-embedding

echo "==> Chaos run"
node --import tsx test/chaos/run.ts "$@"
