# Sluice: the commands users and CI run. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

include deploy/images.env
OVERLAY ?= edge

.PHONY: help install up down demo test test-unit soak chaos bench eval build status logs validate deploy images

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## install everything the local stack needs (idempotent)
	@bash stack/install.sh

build: ## compile TypeScript to dist/
	@npx tsc -p tsconfig.json

up: install ## start the local stack (data survives `make down`)
	@bash stack/up.sh

down: ## stop the local stack
	@bash stack/down.sh

demo: up ## upload the sample corpus, wait until indexed, search it
	@bash stack/demo.sh

test: install ## type-check, unit tests, integration tests and the short chaos run on isolated real stacks
	@bash test/run.sh
	@bash test/chaos/run.sh --short

bench: install ## benchmark on an isolated stack: table + bench/results/latest.json (SIZE=small|large)
	@bash bench/run.sh $(or $(SIZE),small)

eval: install ## retrieval quality on an isolated stack: dense / sparse / hybrid / LangChain.js, bench/results/eval-latest.json
	@bash bench/eval.sh

test-unit: ## unit tests only (no services needed)
	@npm run -s test:unit

chaos: install ## the long chaos run: corpus + hostile files under injected faults, then the verdict table
	@bash test/chaos/run.sh --long

soak: install ## the lifecycle property test with 200 cases (~20 min) on the isolated test stack
	@SLUICE_PROPERTY_RUNS=$${SLUICE_PROPERTY_RUNS:-200} SLUICE_TEST_FILES=test/integration/lifecycle-property.test.ts bash test/run.sh

status: ## which local components are running
	@bash stack/component.sh status qdrant-edge-gateway oidc-issuer split embed index api broker seaweedfs-source; bash stack/seaweedfs.sh status || true

logs: ## follow the local stack's logs
	@source stack/env.sh && tail -F "$$SLUICE_LOG_DIR"/*.log

validate: ## offline checks of every Kubernetes manifest (kustomize build, schemas, cross-references)
	@node --import tsx test/validate/validate.ts
	@node --import tsx --test --test-reporter=spec test/validate/validate.test.ts test/validate/hardening.test.ts test/validate/code-env.test.ts test/validate/config-reference.test.ts

deploy: ## apply the cluster install: kubectl apply -k deploy/overlays/$(OVERLAY)
	@kubectl apply -k deploy/overlays/$(OVERLAY)

images: ## build and push the multi-arch images (docker buildx)
	@for n in $(IMAGES); do m=none; case " $(IMAGES_WITH_MODEL) " in *" $$n "*) m=baked;; esac; \
	  docker buildx build --platform $(IMAGE_PLATFORMS) --build-arg FUNCTION=$$n --build-arg MODEL=$$m \
	    -t $(IMAGE_REGISTRY)/sluice-$$n:$(IMAGE_TAG) --push . || exit 1; done
