#!/bin/sh
# Prints the folder of Traefik $1 (3.x.y) built once into the lab's cache (LAB_CACHE_DIR): the
# `traefik` binary from the Go module proxy, and in crds/ the Gateway API's standard channel
# (its CustomResourceDefinitions) at the version that Traefik release implements, from the
# sigs.k8s.io/gateway-api module its go.mod requires. The lab's own cluster runs it as its
# Gateway API implementation (traefik.yaml); the Docker stand-in for traefik copies the binary.
# About 7 minutes on two cores, once.
#
# Built from the module with three changes, each because the module proxy lacks something:
# - Traefik's fork of go-http-auth is not served: the upstream module it forks (the same API)
#   stands in for it (the basic and digest auth middlewares, which the lab does not use; a stale
#   digest nonce gets a plain new challenge, without the fork's stale=true);
# - the ACME DNS-01 providers' SDKs (lego's providers/dns) are partly not served: that challenge
#   answers "left out of this build" (HTTP-01 and TLS-ALPN-01 stay; the lab uses none);
# - the web dashboard's assets are built outside the module: /dashboard/ serves a page saying so.
set -eu
version=${1:?usage: build.sh VERSION}
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/traefik-$version
module=github.com/traefik/traefik/v3@v$version
if [ ! -x "$dir/traefik" ]; then
  export GOTOOLCHAIN=local CGO_ENABLED=0
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "traefik: building $version from the Go module proxy (about 7 minutes, once)" >&2
  "$(cd "$(dirname "$0")/../../.." && pwd)/tools/go/module-copy.sh" "$module" "$tmp/src"
  cd "$tmp/src"
  go mod edit -dropreplace=github.com/abbot/go-http-auth \
    -require=github.com/abbot/go-http-auth@v0.4.1-0.20220112235402-e1cee1c72f2f
  sed -i 's/d\.auth\.RequireAuthStale(rw, req)/d.auth.RequireAuth(rw, req)/' pkg/middlewares/auth/digest_auth.go
  acme=pkg/provider/acme/provider.go
  grep -q 'dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)' "$acme" ||
    { echo "traefik: $acme no longer looks as build.sh expects" >&2; exit 1; }
  sed -i -e '\#"github.com/go-acme/lego/v4/providers/dns"#d' \
    -e 's#dns\.NewDNSChallengeProviderByName(p\.DNSChallenge\.Provider)#nil, fmt.Errorf("ACME DNS challenge providers are left out of this build (k8s/cluster/traefik/build.sh): %s", p.DNSChallenge.Provider)#' \
    "$acme"
  printf '<!doctype html><title>Traefik</title><p>The dashboard is not part of this build (k8s/cluster/traefik/build.sh).\n' \
    >webui/static/index.html
  go build -mod=mod -trimpath -o "$tmp/traefik" \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$version" \
    ./cmd/traefik >"$tmp/build.log" 2>&1 || { tail -20 "$tmp/build.log" >&2; exit 1; }
  # The Gateway API release this Traefik implements: its standard channel's CRDs.
  gateway=$(go list -m -f '{{.Path}}@{{.Version}}' sigs.k8s.io/gateway-api)
  crds=$(go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)/config/crd/standard
  [ -d "$crds" ] || { echo "traefik: no standard channel in $gateway" >&2; exit 1; }
  rm -rf "$dir.new"
  mkdir -p "$dir.new/crds"
  mv "$tmp/traefik" "$dir.new/"
  cp "$crds"/*.yaml "$dir.new/crds/"
  echo "$gateway" >"$dir.new/crds/VERSION"
  rm -rf "$dir"
  mv "$dir.new" "$dir"
fi
echo "$dir"
