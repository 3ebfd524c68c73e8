#!/bin/sh
# Prints the folder holding the lab cluster's binaries, built once into the lab's cache from the
# Go module proxy: `kube` (etcd, the control plane, the kubelet, kube-proxy and kubectl in one
# binary: kube/main.go, Kubernetes of kube/go.mod). About 5 minutes and 2.5 GB of memory on two
# cores, once; the folder's name changes with go.sum, so a new pin builds again.
#   build.sh [--no-build]   with --no-build, exits 1 instead of building
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
version=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/kube/go.mod")
dir=$cache/k8s/kube-$version-$(cat "$here/kube/go.sum" "$here/kube/main.go" "$0" | sha256sum | cut -c1-12)
if [ ! -x "$dir/kube" ]; then
  [ "${1:-}" = --no-build ] && exit 1
  command -v go >/dev/null || { echo "cluster: building Kubernetes needs Go (https://go.dev/doc/install)" >&2; exit 2; }
  echo "cluster: building Kubernetes $version from the Go module proxy (about 5 minutes, once)" >&2
  mkdir -p "$dir"
  # The version every component reports (Kubernetes' own build stamps it the same way).
  minor=${version#v1.}
  stamp=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp="$stamp -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
  done
  (cd "$here/kube" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags="-s$stamp" -o "$dir/kube.new" .)
  mv "$dir/kube.new" "$dir/kube"
fi
echo "$dir"
