# lb-lab. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Docker mode (compose.yaml) when a Docker engine answers, native mode (tools/lab: the same
# services as plain processes) otherwise; MODE=docker or MODE=native forces one.
MODE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo native)
# Node 24 from the npm package `node` (package.json): the runtime the Docker images ship.
NODE := node_modules/.bin/node
LAB := $(NODE) tools/lab/src/cli.ts
COMPOSE := docker compose
s ?=

ifeq ($(filter $(MODE),native docker),)
$(error MODE=$(MODE): use MODE=native or MODE=docker)
endif

.PHONY: help deps py-venv pytest up down ps logs kill stop start restart pause unpause reset dashboards loadtest rollout bench lint typecheck test

help: ## List the targets
	@echo 'usage: make <target> [s=<service>] [LB_STRATEGY=...]   (mode: $(MODE); MODE=native|docker forces one)'
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z -]*:.*## / { if (length($$1) > 10) printf "  %s\n  %-10s %s\n", $$1, "", $$2; else printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# npm ci writes node_modules/.package-lock.json: reinstall only when the lockfile changed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-fund --no-audit
deps: node_modules/.package-lock.json ## Install npm packages (Debian packages are installed by `up`)

# The Python sample's virtualenv, rebuilt when its pinned requirements change (tests included:
# pytest lives in it too; the Docker image installs requirements.txt only).
PY_DIR := services/py-sample
PY_VENV := $(PY_DIR)/.venv
PYTHON ?= python3
$(PY_VENV)/.installed: $(PY_DIR)/requirements.txt $(PY_DIR)/requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo 'py-venv: $(PYTHON) not found (Python 3.11+ with venv)'; exit 2; }
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r $(PY_DIR)/requirements-dev.txt
	@touch $@
py-venv: $(PY_VENV)/.installed ## Build the Python sample's virtualenv (services/py-sample/.venv)

ifeq ($(MODE),docker)
up:
	@test -f .env || { echo 'Docker mode needs .env: cp .env.example .env (then change the secrets)'; exit 2; }
	$(COMPOSE) up -d --build --wait
	@. ./.env; echo "lb-lab is up (Docker mode)"; \
	echo "  through nginx   http://127.0.0.1:$${NGINX_HTTP_PORT}/api/whoami   https://127.0.0.1:$${NGINX_HTTPS_PORT}/api/whoami"; \
	echo "  prometheus      http://127.0.0.1:$${PROMETHEUS_PORT}/alerts"; \
	echo "  grafana         http://127.0.0.1:$${GRAFANA_PORT}/   (Load balancing dashboard)"

down:
	$(COMPOSE) down

ps:
	$(COMPOSE) ps

logs:
	$(COMPOSE) logs --tail 200 $(s)

kill stop start restart pause unpause:
	@test -n "$(s)" || { echo "usage: make $@ s=<service>   (e.g. make $@ s=app2)"; exit 2; }
	$(COMPOSE) $@ $(s)

reset:
	$(COMPOSE) down --volumes
else
up: deps py-venv ## Start the stack and print its URLs (native: installs missing Debian packages when root)
	@$(LAB) up

down: deps ## Stop every service (data is kept)
	@$(LAB) down

ps: deps ## Show each service's state (native: pid, address and log too)
	@$(LAB) ps

logs: deps ## Show the logs of all services, or of s=<service>
	@$(LAB) logs $(s)

kill stop start restart pause unpause: deps py-venv ## Operator verbs on s=<service>, as with docker compose
	@test -n "$(s)" || { echo "usage: make $@ s=<service>   (e.g. make $@ s=app2)"; exit 2; }
	@$(LAB) $@ $(s)

reset: deps ## Stop everything and delete all state (databases, logs)
	@$(LAB) reset
endif

dashboards: deps ## Write grafana/dashboards/*.json from their code in grafana/src/
	@$(NODE) grafana/src/build.ts

lint: deps py-venv ## Biome (TypeScript, YAML) and Ruff (the Python sample): lint and formatting
	@$(NODE) node_modules/.bin/biome check .
	@$(PY_VENV)/bin/ruff check --quiet $(PY_DIR) && $(PY_VENV)/bin/ruff format --check --quiet $(PY_DIR)

typecheck: deps ## tsc --noEmit over the whole repo
	@$(NODE) node_modules/.bin/tsc --noEmit -p .

# Compose's own loader and schema, to check compose.yaml without a Docker engine.
bin/compose-check: tools/compose-check/main.go tools/compose-check/go.mod tools/compose-check/go.sum
	cd tools/compose-check && go build -o ../../bin/compose-check .

# k6 is a Go program (the npm `k6` package is only types): built once into bin/. Without Go,
# the k6 tests report themselves skipped.
K6_VERSION := v1.8.1
bin/k6:
	@command -v go >/dev/null || { echo 'k6: skipped (building it needs Go)'; exit 0; }
	GOBIN=$(CURDIR)/bin go install go.k6.io/k6@$(K6_VERSION)

ifeq ($(MODE),docker)
loadtest: ## Run the non-destructive k6 scripts (smoke, distribution) against the running stack
	$(COMPOSE) --profile loadtest run --rm k6 run loadtests/smoke.ts
	$(COMPOSE) --profile loadtest run --rm k6 run loadtests/distribution.ts
else
loadtest: deps bin/k6 ## Run the non-destructive k6 scripts (smoke, distribution) against the running stack
	@mkdir -p loadtests/results
	bin/k6 run -q loadtests/smoke.ts
	bin/k6 run -q loadtests/distribution.ts
endif

rollout: deps bin/k6 ## Restart app1-3 one at a time (each drained first) under load with POSTs
	@mkdir -p loadtests/results
	$(NODE) loadtests/run.ts rollout

bench: deps bin/k6 ## Scaling (1-3 replicas) and strategies (round_robin vs least_conn); writes docs/results.md
	@mkdir -p loadtests/results
	$(NODE) loadtests/bench.ts

# The stack is torn down whatever happens, failures included.
# The Python sample's own tests (pytest) against the running stack's Redis and Postgres.
pytest: deps py-venv ## Run the Python sample's pytest suite (needs a running stack: make up)
	cd $(PY_DIR) && PYTHONDONTWRITEBYTECODE=1 .venv/bin/pytest -q -p no:cacheprovider

test: lint typecheck bin/compose-check bin/k6 py-venv ## Lint, type-check, start the stack, run app, Python and end-to-end tests, stop the stack
	@trap '$(LAB) down' EXIT; \
	$(LAB) up && \
	$(MAKE) --no-print-directory pytest && \
	mkdir -p loadtests/results && \
	$(NODE) --test --test-concurrency=1 'services/app/test/**/*.test.ts' 'test/**/*.test.ts'
