#!/usr/bin/env bash
# `make eval`: retrieval quality (dense / sparse / hybrid, and a LangChain.js retriever) on an
# isolated stack (bench/eval-stack.env, or SLUICE_EVAL_ENV), over the small benchmark corpus plus
# the test corpus, all from local Debian/PyPI packages. Prints the table and writes
# bench/results/eval-latest.json. A measurement, not a test: it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
eval_env_file=${SLUICE_EVAL_ENV:-bench/eval-stack.env}

echo "==> Build"
npx tsc -p tsconfig.json

set -a; source "$eval_env_file"; set +a
source stack/env.sh
bench_corpus="$SLUICE_ROOT/.sluice/bench-corpus/small"
test_corpus="$SLUICE_ROOT/.sluice/corpus"
echo "==> Corpus in $bench_corpus and $test_corpus"
python3 bench/corpus.py --size small --out "$bench_corpus" --cache "$SLUICE_ROOT/.sluice/cache/debs"
python3 test/corpus/prepare.py --out "$test_corpus" >/dev/null

source stack/isolated.sh
start_isolated_stack eval

echo "==> Retrieval evaluation"
node --import tsx bench/eval.ts --corpus "$bench_corpus" --test-corpus "$test_corpus"
