#!/usr/bin/env bash
# Copies images from the Docker engine (DOCKER_HOST) into the lab cluster's containerd, the way
# `kind load docker-image` does: no registry is reachable, so the cluster gets what Docker mode
# built or stood in. An image whose Docker id containerd already holds is skipped.
#   images.sh CONTAINERD_SOCKET IMAGE...
set -euo pipefail
sock=${1:?usage: images.sh CONTAINERD_SOCKET IMAGE...}
shift
ctr() { command ctr --address "$sock" -n k8s.io "$@"; }
# The name containerd stores an image under (Docker's short names are docker.io's).
full() {
  local first=${1%%/*}
  if [ "$first" = "$1" ]; then
    echo "docker.io/library/$1"
  elif [[ $first == *.* || $first == *:* || $first == localhost ]]; then
    echo "$1"
  else
    echo "docker.io/$1"
  fi
}
for image in "$@"; do
  id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) || {
    echo "cluster: Docker has no $image (tools/docker/standins.sh makes the stand-ins, make images the lab's own)" >&2
    exit 1
  }
  # Docker's image id is the config's digest: the same image in containerd has the same one.
  have=$(ctr images ls "name==$(full "$image")" 2>/dev/null | awk 'NR == 2 {print $3}')
  if [ -n "$have" ] && [[ "$(ctr content get "$have" 2>/dev/null)" == *"$id"* ]]; then
    continue
  fi
  docker save "$image" | ctr images import - >/dev/null
done
