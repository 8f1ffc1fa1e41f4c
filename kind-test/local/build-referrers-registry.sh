#!/usr/bin/env bash
# An OCI registry with the referrers API (Debian's docker-registry has none): go-containerregistry's
# registry package behind a small main in testing/referrers-registry, built from the Go module
# proxy and cached by the hash of its sources. Prints the binary's path last.
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../testing/referrers-registry" && pwd)"
HASH="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-16)"
OUT="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}/referrers-registry/$HASH"
if [ -x "$OUT/referrers-registry" ]; then echo "$OUT/referrers-registry"; exit 0; fi
command -v go >/dev/null || { echo "[referrers-registry] go is required" >&2; exit 1; }
mkdir -p "$OUT"
echo "[referrers-registry] building from the Go module proxy" >&2
(cd "$SRC" && GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
  go build -trimpath -ldflags "-s -w" -o "$OUT/referrers-registry" .) >&2
echo "$OUT/referrers-registry"
