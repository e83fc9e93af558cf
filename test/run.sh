#!/usr/bin/env bash
# `make test`: type-check, unit tests, then the integration suite against a real, isolated
# stack (RabbitMQ, SeaweedFS, Qdrant engine, the model) started here and stopped afterwards.
# With QDRANT_URL set in the environment, the suite runs against that Qdrant instead of the
# local Qdrant Edge gateway (in a collection of its own).
#
# For working on one part: SLUICE_TEST_FILES="test/integration/x.test.ts ..." runs only those
# integration files (no type-check, unit or manifest stages), and SLUICE_TEST_ENV names another
# stack file (ports, data directory, vhost) so that several stacks can run side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
test_env_file=${SLUICE_TEST_ENV:-test/stack.env}
only_files=${SLUICE_TEST_FILES:-}

if [ -z "$only_files" ]; then

echo "==> Type-check"
npx tsc -p tsconfig.json --noEmit

echo "==> Unit tests"
npm run -s test:unit
echo "==> Qdrant gateway unit tests (pytest)"
.venv/bin/python -m pytest -q -p no:cacheprovider local/qdrant-edge-gateway/tests

echo "==> Manifests (make validate)"
make -s validate

# The Qdrant REST contract: against the caller's Qdrant when QDRANT_URL is set, otherwise
# against a gateway the test starts itself, so that it can also SIGKILL and restart it
# (durability) and turn on API keys.
echo "==> Qdrant contract (${QDRANT_URL:-a Qdrant Edge gateway started by the test})"
npm run -s test:qdrant-contract
fi

# Test stack settings: test/stack.env wins over .env/.env.example, the caller's QDRANT_URL
# (a real Qdrant) wins over everything.
external_qdrant=${QDRANT_URL:-}
set -a; source "$test_env_file"; set +a
if [ -n "$external_qdrant" ]; then
  export QDRANT_URL=$external_qdrant QDRANT_COLLECTION="sluice-test-$(date +%s)"
fi
source stack/env.sh

python3 test/corpus/prepare.py --out "$SLUICE_ROOT/.sluice/corpus" >/dev/null
source stack/isolated.sh
start_isolated_stack test

echo "==> Integration tests"
export SLUICE_CORPUS_DIR="$SLUICE_ROOT/.sluice/corpus"
if [ -n "$only_files" ]; then
  # shellcheck disable=SC2086 # a space-separated list of files
  node --import tsx --test --test-concurrency=1 --test-reporter=spec $only_files
else
  npm run -s test:integration
  echo "==> Security tests (attacks that must fail)"
  npm run -s test:security
fi
