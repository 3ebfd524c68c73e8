# lb-lab. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Native mode runs the stack as plain processes (tools/lab). Docker mode (compose.yaml) is not
# built yet; until it is, MODE=native is the only mode.
MODE ?= native
# Node 24 from the npm package `node` (package.json): the runtime the Docker images ship.
NODE := node_modules/.bin/node
LAB := $(NODE) tools/lab/src/cli.ts
s ?=

ifneq ($(MODE),native)
$(error MODE=$(MODE): only MODE=native exists so far (Docker mode comes with compose.yaml))
endif

.PHONY: help deps up down ps logs kill stop start restart pause unpause reset dashboards lint typecheck test

help: ## List the targets
	@echo 'usage: make <target> [s=<service>] [LB_STRATEGY=...]'
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z -]*:.*## / { if (length($$1) > 10) printf "  %s\n  %-10s %s\n", $$1, "", $$2; else printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# npm ci writes node_modules/.package-lock.json: reinstall only when the lockfile changed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-fund --no-audit
deps: node_modules/.package-lock.json ## Install npm packages (Debian packages are installed by `up`)

up: deps ## Start the stack and print its URLs (installs missing Debian packages when root)
	@$(LAB) up

down: deps ## Stop every service (data is kept)
	@$(LAB) down

ps: deps ## Show each service's state, pid, address and log
	@$(LAB) ps

logs: deps ## Show the logs of all services, or of s=<service>
	@$(LAB) logs $(s)

kill stop start restart pause unpause: deps ## Operator verbs on s=<service>, as with docker compose
	@test -n "$(s)" || { echo "usage: make $@ s=<service>   (e.g. make $@ s=app2)"; exit 2; }
	@$(LAB) $@ $(s)

reset: deps ## Stop everything and delete all state (databases, logs)
	@$(LAB) reset

dashboards: deps ## Write grafana/dashboards/*.json from their code in grafana/src/
	@$(NODE) grafana/src/build.ts

lint: deps ## Biome: lint and formatting
	@$(NODE) node_modules/.bin/biome check .

typecheck: deps ## tsc --noEmit over the whole repo
	@$(NODE) node_modules/.bin/tsc --noEmit -p .

# The stack is torn down whatever happens, failures included.
test: lint typecheck ## Lint, type-check, start the stack, run app and end-to-end tests, stop the stack
	@trap '$(LAB) down' EXIT; \
	$(LAB) up && \
	$(NODE) --test --test-concurrency=1 'services/app/test/**/*.test.ts' 'test/**/*.test.ts'
