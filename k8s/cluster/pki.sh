#!/usr/bin/env bash
# The lab cluster's certificates and kubeconfigs, made fresh for each start into $1 (never
# committed, gone with the cluster): one CA for the control plane and the kubelet, one for the
# aggregation layer's front proxy (metrics-server sits behind it), a key pair that signs service
# account tokens, and a client certificate per component named the way Kubernetes' default RBAC
# roles expect (system:kube-scheduler, system:node:<node>, ...). ECDSA P-256: fast to make.
#   pki.sh DIR NODE_NAME NODE_IP SERVICE_IP
set -euo pipefail
dir=${1:?usage: pki.sh DIR NODE_NAME NODE_IP SERVICE_IP}
node=${2:?}
node_ip=${3:?}
service_ip=${4:?}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }

ca() {
  key "$1"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 -out "$1.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

# cert NAME CA SUBJECT USAGE [SUBJECT_ALT_NAMES]
cert() {
  key "$1"
  local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$4"
  [ -n "${5:-}" ] && ext="$ext
subjectAltName=$5"
  openssl req -new -key "$1.key" -subj "$3" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 30 \
    -extfile <(echo "$ext") -out "$1.crt" 2>/dev/null
  rm "$1.csr"
}

# kubeconfig NAME USER: the credentials of client certificate NAME for the API server.
kubeconfig() {
  cat >"$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lb-lab
  cluster:
    certificate-authority: $dir/ca.crt
    server: https://$node_ip:6443
users:
- name: $2
  user:
    client-certificate: $dir/$1.crt
    client-key: $dir/$1.key
contexts:
- name: lb-lab
  context: {cluster: lb-lab, user: $2}
current-context: lb-lab
EOF
}

ca ca lb-lab-kubernetes-ca
ca front-proxy-ca lb-lab-front-proxy-ca
cert apiserver ca /CN=kube-apiserver serverAuth \
  "IP:$node_ip,IP:$service_ip,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert kubelet-serving ca "/CN=system:node:$node/O=system:nodes" serverAuth "IP:$node_ip,DNS:$node"
cert apiserver-kubelet-client ca /CN=kube-apiserver-kubelet-client/O=system:masters clientAuth
cert front-proxy-client front-proxy-ca /CN=front-proxy-client clientAuth
cert admin ca /CN=lab-admin/O=system:masters clientAuth
cert controller-manager ca /CN=system:kube-controller-manager clientAuth
cert scheduler ca /CN=system:kube-scheduler clientAuth
cert kubelet ca "/CN=system:node:$node/O=system:nodes" clientAuth
cert proxy ca /CN=system:kube-proxy clientAuth
for name in admin controller-manager scheduler kubelet proxy; do
  kubeconfig "$name" "$name"
done
openssl ecparam -name prime256v1 -genkey -noout -out service-account.key 2>/dev/null
openssl ec -in service-account.key -pubout -out service-account.pub 2>/dev/null
