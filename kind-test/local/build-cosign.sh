#!/usr/bin/env bash
# Builds the real cosign CLI from the Go module proxy at a pinned version (no release downloads are
# reachable here). The signer-admission tests sign with it and verify the operator's own signatures
# with it. Idempotent: a cached build is reused. Prints the binary's path as its last line.
set -euo pipefail
COSIGN_VERSION="${COSIGN_VERSION:-2.5.0}"
CACHE="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}"
OUT="$CACHE/cosign/v$COSIGN_VERSION"
log() { echo "[cosign] $*" >&2; }
if [ -x "$OUT/cosign" ]; then echo "$OUT/cosign"; exit 0; fi
command -v go >/dev/null || { log "go is required (Debian: golang-go)"; exit 1; }
mkdir -p "$OUT"
log "building cosign v$COSIGN_VERSION from the Go module proxy (first build takes a few minutes)"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOBIN="$OUT/tmp"
go install -trimpath -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION" \
  "github.com/sigstore/cosign/v2/cmd/cosign@v$COSIGN_VERSION" >&2
mv "$OUT/tmp/cosign" "$OUT/cosign"
rmdir "$OUT/tmp" 2>/dev/null || true
log "cosign ready: $OUT/cosign"
echo "$OUT/cosign"
