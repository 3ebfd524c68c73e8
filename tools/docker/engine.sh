#!/usr/bin/env bash
# A Docker engine for the Docker half of `make test`.
#   tools/docker/engine.sh start   prints the DOCKER_HOST to use ("" = the engine that already
#                                  answers), or exits 3 with the reason when the part is skipped
#   tools/docker/engine.sh stop    stops the engine only if `start` started it
#   tools/docker/engine.sh check   exits 0 when `start` would give an engine, else 3 with the reason
# An engine that already answers (`docker info`) is used as it is. Otherwise, only under CI
# (CI=true) as root on Debian, Debian's docker.io is installed and a private dockerd is started:
# its own socket (nothing else on the machine sees it, so no other command's mode flips), its own
# exec root, and a data root in the cache so built images survive to the next run. A daemon is
# never installed on a person's machine unasked.
set -euo pipefail

cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
run=/run/lb-lab-docker
sock=unix://$run/docker.sock

# Whether an engine answers, or one may be started here; else the reason, and exit 3.
available() {
  docker info >/dev/null 2>&1 && return 0
  if [ "${CI:-}" != true ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "no Docker engine answers (docker info); run the Docker part with one running, or under CI=true as root on Debian, where it installs docker.io and starts a private dockerd" >&2
    exit 3
  fi
}

case ${1:-} in
check)
  available
  ;;
start)
  if docker info >/dev/null 2>&1; then
    echo ""
    exit 0
  fi
  available
  if ! command -v dockerd >/dev/null; then
    echo "engine: installing docker.io (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables >&2
  fi
  mkdir -p "$run" "$cache/docker"
  if ! DOCKER_HOST=$sock docker info >/dev/null 2>&1; then
    # setsid: the daemon outlives this script; stop ends it by its pid file.
    setsid dockerd --host "$sock" --data-root "$cache/docker" --exec-root "$run/exec" \
      --pidfile "$run/dockerd.pid" --storage-driver overlay2 >"$run/dockerd.log" 2>&1 </dev/null &
    echo $! >"$run/started-by-lab"
    for _ in $(seq 60); do
      DOCKER_HOST=$sock docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    DOCKER_HOST=$sock docker info >/dev/null 2>&1 || {
      echo "engine: dockerd did not answer within 30 s; its log:" >&2
      tail -20 "$run/dockerd.log" >&2
      exit 1
    }
  fi
  echo "$sock"
  ;;
stop)
  [ -f "$run/started-by-lab" ] || exit 0
  pid=$(cat "$run/dockerd.pid" 2>/dev/null || cat "$run/started-by-lab")
  kill "$pid" 2>/dev/null || true
  # dockerd stops its containers and containerd first: give it the time that takes.
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$run/started-by-lab"
  ;;
*)
  echo "usage: $0 start|stop|check" >&2
  exit 2
  ;;
esac
