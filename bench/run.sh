#!/usr/bin/env bash
# `make bench [SIZE=small|large]`: builds, prepares the benchmark corpus, starts an isolated
# stack (bench/stack.env, or the file SLUICE_BENCH_ENV names: own ports, data directory and
# RabbitMQ vhost), runs bench/bench.ts, which prints the table and writes
# bench/results/latest.json, and stops the stack again. A benchmark, not a test: it asserts
# nothing and always reports what it measured. Its mixed run (a 20 000-chunk document with small
# documents uploaded beside it) adds several minutes; BENCH_MIXED_SECTIONS=0 leaves it out.
#
# Embedding settings (EMBED_MODEL_FILE, EMBED_BATCH_SIZE, EMBED_THREADS, EMBED_LINGER_MS) come
# from the environment / .env like everywhere else and apply to all measurements alike.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-${SIZE:-small}}
case "$size" in small|large) ;; *) echo "usage: bench/run.sh [small|large]" >&2; exit 2 ;; esac
bench_env_file=${SLUICE_BENCH_ENV:-bench/stack.env}

echo "==> Build"
npx tsc -p tsconfig.json

set -a; source "$bench_env_file"; set +a
source stack/env.sh
corpus_dir="$SLUICE_ROOT/.sluice/bench-corpus/$size"
echo "==> Corpus ($size) in $corpus_dir"
python3 bench/corpus.py --size "$size" --out "$corpus_dir" --cache "$SLUICE_ROOT/.sluice/cache/debs"

source stack/isolated.sh
start_isolated_stack benchmark

echo "==> Benchmark"
node --import tsx bench/bench.ts --corpus "$corpus_dir" --size "$size" --mixed-sections "${BENCH_MIXED_SECTIONS:-20000}"
