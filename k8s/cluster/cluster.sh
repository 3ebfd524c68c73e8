#!/usr/bin/env bash
# The lab's own single-node Kubernetes cluster, for Kubernetes mode where no cluster answers
# (CI, or this machine). A person with kind, k3d or minikube never needs it: the lab uses the
# current kubeconfig.
#   k8s/cluster/cluster.sh start   builds what is missing (build.sh), starts containerd and the
#                                  control plane as processes of this machine, and prints the
#                                  KUBECONFIG to use
#   k8s/cluster/cluster.sh stop    stops it and removes what it left: pods, iptables chains,
#                                  the bridge, cgroups, mounts, and the kernel settings it changed
#   k8s/cluster/cluster.sh load IMAGE...
#                                  copies images from the Docker engine into it (images.sh)
#   k8s/cluster/cluster.sh volumes makes every volume a deleted claim let go of empty and free
#                                  again (the lab's `make reset` on this cluster)
#   k8s/cluster/cluster.sh check   exits 0 when start can run here, else 3 with the reason
# Root only, on Debian (its containerd, runc and CNI plugins, installed when missing): the kubelet
# manages cgroups, mounts and iptables.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}/k8s
export RUN=/run/lb-lab-k8s CACHE=$cache PKI=/run/lb-lab-k8s/pki
SOCK=$RUN/containerd/containerd.sock
# The volumes' folders: on disk (not /run, which is memory), emptied at start and stop.
VOLUMES=$cache/volumes VOLUME_COUNT=12
export NODE_NAME=lb-lab BRIDGE=lab-k8s0 NODE_IP=10.244.0.1 POD_CIDR=10.244.0.0/24
export SERVICE_CIDR=10.96.0.0/16 SERVICE_IP=10.96.0.1 DNS_IP=10.96.0.10
# The sysctls the kubelet sets on a node it starts on (vm.overcommit_memory, kernel.panic, ...):
# saved before, put back by stop.
tunables="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"

available() {
  if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ] || ! command -v apt-get >/dev/null; then
    echo "the lab's own cluster runs as root on Debian (the kubelet manages cgroups, mounts and iptables; its runtime is Debian's containerd); with kind, k3d or minikube, point kubectl at that cluster instead" >&2
    exit 3
  fi
}

kubectl() { "$bin/kube" kubectl --kubeconfig "$PKI/admin.kubeconfig" "$@"; }

# launch NAME COMMAND...: in the background, detached, its log in $RUN/logs/NAME.log.
launch() {
  local name=$1
  shift
  setsid "$@" >"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# wait_for WHAT SECONDS COMMAND...: polls COMMAND until it succeeds, at most SECONDS.
wait_for() {
  local what=$1 seconds=$2 deadline=$((SECONDS + $2))
  shift 2
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "cluster: $what not within $seconds s; the logs are in $RUN/logs" >&2
  exit 1
}

render() { envsubst '${RUN} ${CACHE} ${PKI} ${NODE_NAME} ${BRIDGE} ${NODE_IP} ${POD_CIDR} ${DNS_IP}' <"$here/config/$1" >"$RUN/$1"; }

# Debian's packages the cluster runs on, installed when missing (as root, which start needs).
PACKAGES="containerd runc containernetworking-plugins iptables openssl gettext-base"

start() {
  available
  local missing=""
  for pkg in $PACKAGES; do
    [ "$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "cluster: installing$missing (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
  fi
  bin=$("$here/build.sh")
  if kubectl get --raw /readyz >/dev/null 2>&1; then
    echo "$PKI/admin.kubeconfig"
    return
  fi
  mkdir -p "$RUN/logs" "$RUN/cni" "$cache/containerd"
  # A start that fails half way stops what it started: another start would otherwise find the
  # first containerd and etcd still holding their locks and ports, and lose track of them.
  trap 'status=$?; [ "$status" = 0 ] || { echo "cluster: start failed; stopping what it started" >&2; stop || true; }' EXIT
  for t in $tunables; do sysctl -n "$t"; done >"$RUN/tunables"
  # The node's address is the bridge's: the API server listens there before any pod exists, and
  # pods reach it there (the kubernetes Service's endpoint). Nothing listens beyond this machine.
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr replace "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  # What a pod still sends to a Service address once kube-proxy's DNAT has passed (a Service with
  # no ready endpoint) is refused. kube-proxy means to refuse it, but its rule comes after the CNI
  # firewall plugin's, which accepts all a pod sends: it left by this machine's default route, and
  # what answered there passed for the Service (the network's gateway answered Prometheus's scrape
  # of a restarting object store with 404s, on a connection Prometheus then kept). The plugin's
  # CNI-ADMIN chain, which it runs first and leaves alone, is for rules such as this one.
  iptables -N CNI-ADMIN 2>/dev/null || true
  for reject in "-p tcp -j REJECT --reject-with tcp-reset" "-j REJECT"; do
    # shellcheck disable=SC2086 # each is several arguments
    iptables -C CNI-ADMIN -d "$SERVICE_CIDR" $reject 2>/dev/null || iptables -A CNI-ADMIN -d "$SERVICE_CIDR" $reject
  done
  "$here/pki.sh" "$PKI" "$NODE_NAME" "$NODE_IP" "$SERVICE_IP"
  for f in containerd.toml kubelet.yaml proxy.yaml; do render "$f"; done
  render cni.conflist
  mv "$RUN/cni.conflist" "$RUN/cni/10-lb-lab.conflist"

  launch containerd containerd --config "$RUN/containerd.toml"
  # etcd's data lives in /run and dies with the cluster: durability buys nothing, so no fsync
  # holds up the control plane's writes.
  launch etcd "$bin/kube" etcd --name "$NODE_NAME" --data-dir "$RUN/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
    --unsafe-no-fsync
  wait_for "containerd" 30 ctr --address "$SOCK" version
  "$here/images.sh" "$SOCK" \
    "$(awk -F'"' '/^ *sandbox_image/ {print $2}' "$here/config/containerd.toml")" \
    $(awk '$1 == "image:" {print $2}' "$here/coredns.yaml" "$here/metrics-server.yaml" "$here/traefik.yaml")
  launch apiserver "$bin/kube" apiserver --etcd-servers http://127.0.0.1:2379 \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
    --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction --client-ca-file "$PKI/ca.crt" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/service-account.pub" \
    --service-account-signing-key-file "$PKI/service-account.key" \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" \
    --proxy-client-key-file "$PKI/front-proxy-client.key" --enable-aggregator-routing \
    --profiling=false
  wait_for "the API server" 60 kubectl get --raw /readyz
  launch controller-manager "$bin/kube" controller-manager \
    --kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$PKI/controller-manager.kubeconfig" --bind-address 127.0.0.1 \
    --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --use-service-account-credentials --leader-elect=false --profiling=false \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR"
  launch scheduler "$bin/kube" scheduler --kubeconfig "$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig "$PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig "$PKI/scheduler.kubeconfig" --bind-address 127.0.0.1 \
    --leader-elect=false --profiling=false
  launch kubelet "$bin/kube" kubelet --config "$RUN/kubelet.yaml" \
    --kubeconfig "$PKI/kubelet.kubeconfig" --root-dir "$RUN/kubelet" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  launch proxy "$bin/kube" proxy --config "$RUN/proxy.yaml"
  wait_for "the node to be Ready" 60 kubectl wait --for condition=Ready "node/$NODE_NAME" --timeout 1s
  kubectl apply --server-side -f "$here/coredns.yaml" -f "$here/metrics-server.yaml" >/dev/null
  wait_for "cluster DNS" 60 kubectl -n kube-system rollout status deployment/coredns --timeout 1s
  wait_for "resource metrics" 60 kubectl -n kube-system rollout status deployment/metrics-server --timeout 1s
  gateway
  storage
  trap - EXIT
  echo "$PKI/admin.kubeconfig"
}

# The Gateway API: its standard channel at the version Traefik implements (traefik/build.sh
# keeps both, built once), then Traefik, which offers the GatewayClass `traefik`.
gateway() {
  local image crds
  image=$(awk '$1 == "image:" {print $2}' "$here/traefik.yaml")
  crds=$("$here/traefik/build.sh" "${image##*:v}")/crds
  kubectl apply --server-side -f "$crds" >/dev/null
  wait_for "the Gateway API's resources" 30 kubectl wait --for condition=Established --timeout 1s \
    crd/gatewayclasses.gateway.networking.k8s.io crd/gateways.gateway.networking.k8s.io \
    crd/httproutes.gateway.networking.k8s.io
  kubectl apply --server-side -f "$here/traefik.yaml" >/dev/null
  wait_for "the Gateway API implementation" 60 kubectl -n traefik rollout status deployment/traefik --timeout 1s
}

# No provisioner: a default StorageClass whose volumes are folders of this machine, made here
# (the cluster's state dies with it, so they start empty each time). A claim takes a free one.
storage() {
  rm -rf "$VOLUMES"
  {
    cat "$here/storage.yaml"
    for n in $(seq 1 "$VOLUME_COUNT"); do
      mkdir -p "$VOLUMES/pv$n"
      printf -- '---\napiVersion: v1\nkind: PersistentVolume\nmetadata: { name: lab-pv%s }\n' "$n"
      printf 'spec:\n  storageClassName: lab-local\n  capacity: { storage: 10Gi }\n  accessModes: [ReadWriteOnce]\n'
      printf '  persistentVolumeReclaimPolicy: Retain\n  hostPath: { path: %s, type: Directory }\n' "$VOLUMES/pv$n"
    done
  } | kubectl apply --server-side -f - >/dev/null
}

# A volume whose claim is gone (Released): its folder emptied, then free (Available) again.
volumes() {
  local pv
  for pv in $(kubectl get pv -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    find "$VOLUMES/${pv#lab-}" -mindepth 1 -delete
    kubectl patch pv "$pv" --type json -p '[{"op": "remove", "path": "/spec/claimRef"}]' >/dev/null
  done
}

stop() {
  [ -d "$RUN" ] || { leftovers; return; }
  bin=$("$here/build.sh" --no-build) || bin=
  for name in proxy kubelet scheduler controller-manager apiserver etcd; do
    [ -f "$RUN/$name.pid" ] && kill "$(cat "$RUN/$name.pid")" 2>/dev/null || true
  done
  # The kubelet leaves its pods running: end them in containerd, then containerd itself.
  local ctr="ctr --address $SOCK -n k8s.io"
  if $ctr version >/dev/null 2>&1; then
    for task in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks kill -s SIGKILL "$task" 2>/dev/null || true; done
    sleep 1
    for c in $($ctr containers ls -q 2>/dev/null); do
      $ctr tasks delete -f "$c" >/dev/null 2>&1 || true
      $ctr containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  [ -f "$RUN/containerd.pid" ] && kill "$(cat "$RUN/containerd.pid")" 2>/dev/null || true
  for name in proxy kubelet scheduler controller-manager apiserver etcd containerd; do
    [ -f "$RUN/$name.pid" ] || continue
    local pid
    pid=$(cat "$RUN/$name.pid")
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Any of the cluster's processes a pid file no longer names (a start that was cut short).
  pkill -9 -f "^$cache/kube-[^ ]*/kube " 2>/dev/null || true
  pkill -9 -f "^containerd --config $RUN/" 2>/dev/null || true
  sleep 0.5
  # What the processes set up and nobody took down: the kubelet's, kube-proxy's and the CNI
  # plugins' iptables chains, pod mounts, cgroups, the bridge, the kernel settings.
  [ -n "$bin" ] && "$bin/kube" proxy --cleanup >/dev/null 2>&1 || true
  for table in filter nat mangle; do
    for chain in $(iptables -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}'); do
      iptables -t "$table" -S | awk -v c="$chain" '$1 == "-A" && $0 ~ "-j " c "( |$)" {$1 = "-D"; print}' |
        while read -r rule; do eval "iptables -t $table $rule" || true; done
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  { grep -o " $RUN[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  # A pod's cgroup can be removed once its last process has been reaped: a few tries.
  for _ in 1 2 3 4 5 6 7 8; do
    for c in /sys/fs/cgroup/*/kubepods; do
      [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null || break
    sleep 0.5
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  if [ -f "$RUN/tunables" ]; then
    paste -d= <(tr ' ' '\n' <<<"$tunables") "$RUN/tunables" | xargs sysctl -qw || true
  fi
  rm -rf "$RUN" "$VOLUMES"
  leftovers
}

# What a stopped cluster must not leave; names each thing it finds, and fails.
leftovers() {
  local found=()
  pgrep -f "^$cache/kube-[^ ]*/kube " >/dev/null && found+=("processes: $(pgrep -f "^$cache/kube-[^ ]*/kube " | tr '\n' ' ')")
  pgrep -f "^containerd --config $RUN/" >/dev/null && found+=("the cluster's containerd")
  ip link show "$BRIDGE" >/dev/null 2>&1 && found+=("the bridge $BRIDGE")
  local chains
  chains=$(for t in filter nat mangle; do iptables -t "$t" -S; done | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}' | tr '\n' ' ')
  [ -n "$chains" ] && found+=("iptables chains: $chains")
  compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null && found+=("cgroups: $(compgen -G '/sys/fs/cgroup/*/kubepods' | tr '\n' ' ')")
  grep -q " $RUN" /proc/mounts && found+=("mounts under $RUN")
  [ "${#found[@]}" = 0 ] && return 0
  printf 'cluster: stop left %s\n' "${found[@]}" >&2
  return 1
}

case ${1:-} in
check) available ;;
volumes)
  bin=$("$here/build.sh" --no-build)
  volumes
  ;;
start) start ;;
stop) stop ;;
load)
  shift
  [ -S "$SOCK" ] || { echo "cluster: not running (cluster.sh start)" >&2; exit 1; }
  "$here/images.sh" "$SOCK" "$@"
  ;;
*)
  echo "usage: $0 start|stop|load IMAGE...|volumes|check" >&2
  exit 2
  ;;
esac
