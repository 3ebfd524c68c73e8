#!/usr/bin/env bash
# make test's Docker part: compose.yaml brought up as users run it, on a real engine, then the
# same end-to-end and k6 suites as native mode, then `down --volumes`. Uses the engine that
# answers; under CI (CI=true, root, Debian) it starts a private one (tools/docker/engine.sh) and
# builds the images no registry provides (tools/docker/standins.sh). Elsewhere, without an
# engine, it says how to run it and passes.
set -euo pipefail
cd "$(dirname "$0")/.."
lab() { node_modules/.bin/node tools/lab/src/cli.ts "$@"; }
started=$(date +%s)

code=0
host=$(tools/docker/engine.sh start) || code=$?
if [ "$code" = 3 ] && [ "${CI:-}" != true ]; then
  echo "docker: skipped: no Docker engine answers. Start one (or run under CI=true as root on Debian) and run make test-docker"
  exit 0
fi
[ "$code" = 0 ] || { echo "docker: no engine (engine.sh exit $code)"; exit 1; }
[ -z "$host" ] || export DOCKER_HOST=$host
export MODE=docker
# Compose v2 builds from source where the CLI has none (minutes, once): meanwhile the image
# stand-ins are built.
tools/docker/compose-plugin.sh >/dev/null &
compose_build=$!

# A .env this run writes (fresh secrets) must not outlive it: native mode reads .env too.
wrote_env=false
[ -f .env ] || wrote_env=true
cleanup() {
  lab reset >/dev/null 2>&1 || true
  if $wrote_env; then rm -f .env; fi
  tools/docker/engine.sh stop
  echo "docker: the Docker part took $(($(date +%s) - started)) s"
}
trap cleanup EXIT

tools/docker/standins.sh
wait "$compose_build"
lab up
# The suites reach replicas and Postgres on their fixed backend addresses (test/lib/stack.ts).
app1=$(node_modules/.bin/node -e "import('./test/lib/stack.ts').then((s) => console.log(s.replicaUrl('app1')))")
curl -fsS --max-time 3 -o /dev/null "$app1/health" || {
  echo "docker: this machine cannot reach $app1 (the suites need a Linux engine, whose networks the host routes to)"
  exit 1
}
node_modules/.bin/node --test --test-concurrency=1 'test/e2e/*.test.ts' 'test/browser/*.test.ts' 'test/k6/*.test.ts'
