#!/bin/sh
# module-copy.sh MODULE@VERSION DEST: a writable copy of a module from the Go module proxy, to
# build a program in (the module cache is read-only), with the module's own go.mod and its
# replace directives. Used by the scripts that build an upstream release from its module
# (prometheus/build.sh, k8s/cluster/traefik/build.sh).
set -eu
module=${1:?usage: module-copy.sh MODULE@VERSION DEST}
dest=${2:?usage: module-copy.sh MODULE@VERSION DEST}
export GOTOOLCHAIN=local
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
src=$(go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] || { echo "go mod download $module failed" >&2; exit 1; }
cp -r "$src" "$dest"
chmod -R u+w "$dest"
