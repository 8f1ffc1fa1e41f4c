#!/usr/bin/env bash
# Builds the control-plane binaries the tests run (kube-apiserver, kube-controller-manager, kubectl)
# from the Go module proxy at a pinned Kubernetes version, and provides etcd (Debian's etcd-server
# when compatible, else built from the Go module proxy). With --node, also the node's binaries
# (kubelet, kube-proxy, kube-scheduler) from the same module, cache and version. Idempotent: a
# cached, complete build is reused. Prints the directory holding the binaries as its last line.
#
# Why from source: the only registries reachable here are package registries; the upstream release
# tarballs and kube-api-test's downloads are not. k8s.io/kubernetes is a Go module whose staging
# modules (k8s.io/api, ...) are required at v0.0.0 and replaced by local paths; replace directives of
# a dependency are ignored, so this wrapper module replaces each with its published v0.X.Y version.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.5.21}"
CACHE="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}"
OUT="$CACHE/k8s/v$K8S_VERSION/bin"
log() { echo "[k8s-binaries] $*" >&2; }

COMMANDS=(kube-apiserver kube-controller-manager kubectl)
MARKER="$OUT/.complete"
if [ "${1:-}" = "--node" ]; then
  COMMANDS+=(kubelet kube-proxy kube-scheduler)
  MARKER="$OUT/.node-complete"
fi

have_all() {
  for b in "${COMMANDS[@]}" etcd; do [ -x "$OUT/$b" ] || return 1; done
  [ -f "$MARKER" ]
}
if have_all; then echo "$OUT"; exit 0; fi

command -v go >/dev/null || { log "go is required (Debian: golang-go, or a Go toolchain on PATH)"; exit 1; }
mkdir -p "$OUT"
work="$CACHE/k8s/v$K8S_VERSION/src"
mkdir -p "$work"
cd "$work"

minor="${K8S_VERSION#*.}"            # 34.4
staging_version="v0.${minor}"        # v0.34.4
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

# tools.go names every command either set builds, so one go.sum serves both.
if [ ! -f go.sum ] || ! grep -q "k8s.io/kubernetes v$K8S_VERSION" go.mod 2>/dev/null \
    || ! grep -q kube-scheduler tools.go 2>/dev/null; then
  log "resolving k8s.io/kubernetes v$K8S_VERSION from the Go module proxy"
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
  {
    echo "module keychain.dev/k8s-binaries"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    echo "replace ("
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  go mod tidy -e >&2 2>&1 || true
fi

for cmd in "${COMMANDS[@]}"; do
  if [ ! -x "$OUT/$cmd" ]; then
    log "building $cmd v$K8S_VERSION (first build takes several minutes on 2 cores)"
    go build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=${minor%%.*} \
      -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION \
      -X k8s.io/client-go/pkg/version.gitMajor=1 \
      -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}" \
      -o "$OUT/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$OUT/$cmd.tmp" "$OUT/$cmd"
  fi
done

if [ ! -x "$OUT/etcd" ]; then
  "$HERE/provide-etcd.sh" "$OUT" "$ETCD_VERSION"
fi
touch "$MARKER"
log "binaries ready in $OUT"
echo "$OUT"
