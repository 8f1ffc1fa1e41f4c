#!/usr/bin/env bash
# Cluster DNS for the local node: CoreDNS built from the Go module proxy at a pinned version, with
# only the plugins a cluster.local-only server needs (kubernetes, cache, errors, health, ready,
# log). No forward plugin is compiled in: names outside the cluster cannot be sent anywhere, which
# is the node's network rule (pod traffic never leaves the machine). The kubernetes plugin shares
# client-go with the Kubernetes build, so the Go caches are mostly warm. Prints the binary's path.
set -euo pipefail
COREDNS_VERSION="${COREDNS_VERSION:-1.12.4}"
CACHE="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}"
OUT="$CACHE/coredns/v$COREDNS_VERSION"
log() { echo "[coredns] $*" >&2; }
if [ -x "$OUT/coredns" ]; then echo "$OUT/coredns"; exit 0; fi
command -v go >/dev/null || { log "go is required (Debian: golang-go)"; exit 1; }
mkdir -p "$OUT/src"
cd "$OUT/src"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
cat > go.mod <<MOD
module keychain.dev/coredns

go 1.24.0

require github.com/coredns/coredns v$COREDNS_VERSION
MOD
cat > main.go <<'GO'
// CoreDNS with the plugins of a cluster.local-only server (no forwarders).
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
GO
log "building CoreDNS v$COREDNS_VERSION (cluster.local plugins only) from the Go module proxy"
go mod tidy >&2
go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=v$COREDNS_VERSION" \
  -o "$OUT/coredns.tmp" .
mv "$OUT/coredns.tmp" "$OUT/coredns"
log "ready: $OUT/coredns"
echo "$OUT/coredns"
