# Sluice: the commands users and CI run. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help install up down demo test test-unit build status logs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

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

test: install ## type-check, unit tests, integration tests on an isolated real stack
	@bash test/run.sh

test-unit: ## unit tests only (no services needed)
	@npm run -s test:unit

status: ## which local components are running
	@bash stack/component.sh status qdrant-edge-gateway split embed index api broker seaweedfs-source; bash stack/seaweedfs.sh status || true

logs: ## follow the local stack's logs
	@source stack/env.sh && tail -F "$$SLUICE_LOG_DIR"/*.log
