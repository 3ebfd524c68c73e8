#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 binary, building one from the Go module proxy when
# neither `docker compose` nor a cached build exists. Debian's docker-compose package is v1,
# which users no longer run; no other download of a Compose binary is possible here.
#   tools/docker/compose-plugin.sh        -> the path (or "docker compose" when the CLI has it)
set -euo pipefail

COMPOSE_VERSION=v2.40.3
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
out=$cache/compose-$COMPOSE_VERSION/docker-compose

if docker compose version >/dev/null 2>&1; then
  echo "docker compose"
  exit 0
fi
if [ ! -x "$out" ]; then
  command -v go >/dev/null || { echo "compose-plugin: Docker Compose v2 is missing and building it needs Go" >&2; exit 2; }
  echo "compose-plugin: building Docker Compose $COMPOSE_VERSION from the Go module proxy (about 2-3 min, once)" >&2
  # `go install .../cmd@version` refuses modules whose go.mod has exclude directives (Compose's
  # has), so build inside a copy of the downloaded module instead.
  dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "compose-plugin: go mod download gave no module directory" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
  cp -r "$dir/." "$work"
  chmod -R u+w "$work"
  mkdir -p "$(dirname "$out")"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
    -o "$out.tmp" ./cmd >&2)
  mv "$out.tmp" "$out"
fi
echo "$out"
