#!/bin/sh
# Prints the path of HAProxy $1 built once into the lab's cache (LAB_CACHE_DIR) from Debian's
# source tarball of that release (the machine's own apt mirror), with what the official image
# enables that the lab uses: OpenSSL, PCRE2 with JIT, the Prometheus exporter. Native mode runs
# it; the Docker stand-in copies it. About 1.5 minutes on two cores, once.
set -eu
version=${1:?usage: build.sh VERSION}
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/haproxy-$version
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$dir/haproxy" ]; then
  missing=
  for pkg in build-essential libssl-dev libpcre2-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "haproxy: building it needs$missing: sudo apt-get install$missing" >&2
      exit 2
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
  fi
  mirror=${DEBIAN_MIRROR:-$("$here/../tools/docker/debian-mirror.sh")}
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "haproxy: building $version from Debian's source (about 1.5 minutes, once)" >&2
  curl -fsS -o "$tmp/src.tar.gz" "$mirror/pool/main/h/haproxy/haproxy_$version.orig.tar.gz"
  mkdir "$tmp/src"
  tar -xzf "$tmp/src.tar.gz" -C "$tmp/src" --strip-components 1
  make -s -C "$tmp/src" -j "$(nproc)" TARGET=linux-glibc USE_OPENSSL=1 USE_PCRE2=1 USE_PCRE2_JIT=1 \
    USE_PROMEX=1 >"$tmp/build.log" 2>&1 || { tail -20 "$tmp/build.log" >&2; exit 1; }
  mkdir -p "$dir"
  install -m 0755 "$tmp/src/haproxy" "$dir/haproxy.new"
  mv "$dir/haproxy.new" "$dir/haproxy"
fi
echo "$dir/haproxy"
