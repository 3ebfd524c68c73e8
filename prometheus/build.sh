#!/bin/sh
# Prints the folder of Prometheus $1 (2.x.y) built once into the lab's cache (LAB_CACHE_DIR):
# `prometheus` and `promtool` from the Go module proxy (Prometheus 2.x.y is the module
# github.com/prometheus/prometheus v0.x.y), and its web UI built with npm from the same module's
# web/ui, in web/ui/static (Prometheus reads it from there when started in web/ui). The Docker
# stand-in for prom/prometheus copies it: Debian's package leaves out Kubernetes service
# discovery, which Kubernetes mode's Prometheus needs. About 8 minutes on two cores, once.
#
# A module zip holds no folder named vendor: the UI's charting library (flot 0.8.3, which
# Prometheus keeps in react-app/src/vendor/flot) comes from npm instead, and Prometheus's own
# heatmap plugin for it is missing: the graph page draws every series as lines, never as a heatmap.
set -eu
version=${1:?usage: build.sh VERSION}
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/prometheus-$version
module=github.com/prometheus/prometheus@v0.${version#*.}
if [ ! -x "$dir/prometheus" ]; then
  export GOTOOLCHAIN=local CGO_ENABLED=0
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "prometheus: building $version from the Go module proxy and its UI with npm (about 8 minutes, once)" >&2
  "$(dirname "$0")/../tools/go/module-copy.sh" "$module" "$tmp/src"
  v=github.com/prometheus/common/version
  (cd "$tmp/src" && go build -mod=mod -trimpath -o "$tmp/bin/" \
    -ldflags "-s -X $v.Version=$version -X $v.Branch=release-${version%.*} -X $v.Revision=v$version" \
    ./cmd/prometheus ./cmd/promtool) >"$tmp/build.log" 2>&1 || { tail -20 "$tmp/build.log" >&2; exit 1; }
  flot=$tmp/src/web/ui/react-app/src/vendor/flot
  mkdir -p "$flot"
  (cd "$tmp" && npm pack --silent flot@0.8.3 >/dev/null && tar -xzf flot-0.8.3.tgz)
  for plugin in '' .stack .time .crosshair .selection; do cp "$tmp/package/jquery.flot$plugin.js" "$flot/"; done
  echo '// Prometheus'"'"'s heatmap plugin is not in its module zip (prometheus/build.sh).' >"$flot/jquery.flot.heatmap.js"
  # CI=false: under CI=true (the lab's own CI) react-scripts fails the build on the lint warnings
  # this release's UI has; they are upstream's, and the release was built with them.
  (cd "$tmp/src/web/ui" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error &&
    CI=false GENERATE_SOURCEMAP=false bash build_ui.sh --all) >"$tmp/ui.log" 2>&1 || { tail -20 "$tmp/ui.log" >&2; exit 1; }
  rm -rf "$dir.new"
  mkdir -p "$dir.new/web/ui"
  mv "$tmp/bin/prometheus" "$tmp/bin/promtool" "$dir.new/"
  mv "$tmp/src/web/ui/static" "$dir.new/web/ui/static"
  rm -rf "$dir"
  mv "$dir.new" "$dir"
fi
echo "$dir"
