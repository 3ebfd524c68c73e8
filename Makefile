# lb-lab. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node 24 from the npm package `node` (package.json): the runtime the Docker images ship.
NODE := node_modules/.bin/node
LAB := $(NODE) tools/lab/src/cli.ts
s ?=
# The lab picks the mode (`make mode` says which and why): MODE=native|docker|k8s, else the mode
# the running stack was started in, else Docker mode when a Docker engine answers.
export MODE

.PHONY: help deps py-venv k8s-validate pytest mode up down ps logs kill stop start restart pause unpause scale fault clear reclone browser screenshots reset dashboards loadtest rollout conform bench lint typecheck test test-native test-docker test-plan images traffic cert lesson check

help: ## List the targets
	@echo 'usage: make <target> [s=<service>] [LB_ENGINE=nginx|haproxy] [LB_STRATEGY=...] [MODE=native|docker|k8s]'
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

# kubernetes-validate, for the offline schema checks of the Kubernetes manifests (k8s/validate).
K8S_VALIDATE_VENV := k8s/validate/.venv
$(K8S_VALIDATE_VENV)/.installed: k8s/validate/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo 'k8s-validate: $(PYTHON) not found (Python 3.11+ with venv)'; exit 2; }
	rm -rf $(K8S_VALIDATE_VENV)
	$(PYTHON) -m venv $(K8S_VALIDATE_VENV)
	$(K8S_VALIDATE_VENV)/bin/pip install --quiet --disable-pip-version-check --require-virtualenv -r k8s/validate/requirements.txt
	@touch $@
k8s-validate: $(K8S_VALIDATE_VENV)/.installed ## Install kubernetes-validate (k8s/validate/.venv) for the manifests' schema checks

# Every verb works in every mode, with Compose's names: the lab runs the native processes,
# docker compose or kubectl (tools/lab/src/cli.ts); one Kubernetes does its own way says so (k8s/README.md).
mode: deps ## Say which mode the verbs act on, and why
	@$(LAB) mode

up: deps ## Start the stack, print its URLs (Docker: writes .env with fresh secrets if missing)
	@$(LAB) up

down: deps ## Stop every service (data is kept)
	@$(LAB) down

ps: deps ## Show each service's state
	@$(LAB) ps

logs: deps ## Show the logs of all services, or of s=<service>
	@$(LAB) logs $(s)

kill stop start restart pause unpause: deps ## Operator verbs on s=<service>, as with docker compose
	@$(LAB) $@ $(s)

scale: deps ## Run n=<1-9> replicas of app (s=py: of the Python sample) on a running stack
	@$(LAB) scale $(n) $(s)

# Keys a person types, as the lab's fault verb takes them (read only when `make fault` runs);
# `clear` is a word, not a variable (make fault s=app2 clear).
FAULT_KEYS = $(shell $(LAB) fault-keys)
fault: deps ## Break one replica: make fault s=app2 latency=300ms errors=10% status=503 (or clear; alone: lists)
	@$(LAB) fault $(s) $(foreach k,$(FAULT_KEYS),$(if $($(k)),$(k)=$($(k)))) $(filter clear,$(MAKECMDGOALS))
clear: ## Used as `make fault s=app2 clear`: clears that replica's faults
	@:

# The workshop (lessons/README.md). `n` is the lesson's number (as it is scale's count).
traffic: deps ## Requests through the balancer, per replica: path=/api/whoami n=200 c=4 rate=0 method=GET visitors=0 https=0
	@$(LAB) traffic $(foreach k,path n c rate method visitors notes https,$(if $($(k)),$(k)=$($(k))))

cert: deps ## Print the path of the certificate the balancer serves (for curl --cacert)
	@$(LAB) cert

lesson: deps ## The workshop: list the lessons, or begin one and print its page: make lesson n=1
	@$(LAB) lesson $(n)

check: deps ## Whether the lesson's checkpoint was reached, on the live stack: make check n=1 (default: the lesson in progress; n=all: every lesson)
	@$(LAB) check $(n)

reclone: deps ## Clone the standby (pg-replica) from the primary again, after its slot was lost
	@$(LAB) reclone

reset: deps ## Stop everything and delete all state (native: databases, logs; Docker: volumes)
	@$(LAB) reset

dashboards: deps ## Write grafana/dashboards/*.json from their code in grafana/src/
	@$(NODE) grafana/src/build.ts

lint: deps py-venv ## Biome (TypeScript, YAML), Ruff (the Python sample), gofmt and go vet (the Go example)
	@$(NODE) node_modules/.bin/biome check .
	@$(PY_VENV)/bin/ruff check --quiet $(PY_DIR) && $(PY_VENV)/bin/ruff format --check --quiet $(PY_DIR)
	@unformatted=$$(gofmt -l examples/go-notes); [ -z "$$unformatted" ] || { echo "gofmt: $$unformatted"; exit 1; }
	@cd examples/go-notes && go vet ./...

typecheck: deps ## tsc --noEmit over the whole repo (the console page and the browser suite with the DOM's types)
	@$(NODE) node_modules/.bin/tsc --noEmit -p .
	@$(NODE) node_modules/.bin/tsc --noEmit -p services/console/page
	@$(NODE) node_modules/.bin/tsc --noEmit -p test/browser

# Compose's own loader and schema, to check compose.yaml without a Docker engine.
bin/compose-check: tools/compose-check/main.go tools/compose-check/go.mod tools/compose-check/go.sum
	cd tools/compose-check && go build -o ../../bin/compose-check .

# k6 is a Go program (the npm `k6` package is only types): built once into bin/.
K6_VERSION := v1.8.1
bin/k6:
	@command -v go >/dev/null || { echo 'k6: building it needs Go (https://go.dev/dl/)'; exit 2; }
	GOBIN=$(CURDIR)/bin go install go.k6.io/k6@$(K6_VERSION)

loadtest: deps ## Run the non-destructive k6 scripts (smoke, distribution) against the running stack
	@$(LAB) k6 run -q loadtests/smoke.ts
	@$(LAB) k6 run -q loadtests/distribution.ts

rollout: deps ## Restart every app replica (s=py: the Python sample's) one at a time under k6's POSTs (load=none: under your own)
	@$(if $(filter none,$(load)),$(LAB) rollout $(s),$(NODE) loadtests/run.ts rollout $(s))

conform: deps ## Is a set ready to be load-balanced? s=<set> (default app), json=1, only=<id,...>: docs/conform.md
	@$(LAB) conform $(s) $(if $(json),--json) $(if $(only),--only=$(only))

bench: deps bin/k6 ## Native mode: the balancer path (wrk), the engines compared (failures, rollout, slowed replica; plotted), scaling (1-6 replicas, plotted), strategies, overload (2-10x); writes docs/results.md
	@$(NODE) loadtests/bench.ts

images: deps bin/compose-check ## Docker mode without a registry: build stand-ins for images that cannot be pulled
	@tools/docker/standins.sh

# The Python sample's own tests (pytest) against the running stack's Redis and Postgres.
pytest: deps py-venv ## Run the Python sample's pytest suite (needs a running native stack)
	cd $(PY_DIR) && PYTHONDONTWRITEBYTECODE=1 .venv/bin/pytest -q -p no:cacheprovider

# Debian's chromium drives the console's browser suite (test/browser, puppeteer-core): installed
# when missing and root; elsewhere this says how, and make test reports the suite as not run.
browser: ## Install Debian's chromium for the browser suite (as root; otherwise says how)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } || \
	  echo 'browser: chromium is missing (apt-get install chromium, or CHROMIUM=<path>); make test will say the browser suite did not run'

screenshots: deps browser ## Regenerate docs/console.png: the browser suite against the running stack
	@$(NODE) --test test/browser/console.test.ts
	@cp test/results/console-app2-slow-least-conn.png docs/console.png && echo 'wrote docs/console.png'

# test/run.ts runs the parts in order, times each, and ends with a table naming every part that
# did not run and why; a part not run fails the run unless asked for (SKIP=docker,k8s,browser,k6),
# and under CI=true always.
test: deps ## Lint, type-check, then every suite on a native stack, a Docker one, the lab's Kubernetes cluster (SKIP=docker,k8s,browser,k6 to leave parts out)
	@rm -f loadtests/results/report-*.txt
	@$(NODE) test/run.ts all

# Forced to native mode: a Docker engine running on the same machine changes nothing here.
test-native: deps ## The app, Python, end-to-end, browser, k6, lab and static suites on a native stack
	@$(NODE) test/run.ts native

test-docker: deps ## The end-to-end, browser and k6 suites on Docker mode (under CI: a private engine it starts)
	@$(NODE) test/run.ts docker

test-plan: deps ## Say which parts of make test would run here, and why the others would not
	@$(NODE) test/run.ts plan
