#!/usr/bin/env bash
# Builds one Go command from the Go module proxy at a pinned version into the cache (no release
# downloads are reachable here), once. Prints the binary's path as its last line.
# Usage: go-install.sh NAME VERSION PACKAGE [LDFLAGS]
set -euo pipefail
NAME="$1" VERSION="$2" PACKAGE="$3" LDFLAGS="${4:-}"
CACHE="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}"
OUT="$CACHE/$NAME/v$VERSION"
log() { echo "[$NAME] $*" >&2; }
if [ -x "$OUT/$NAME" ]; then echo "$OUT/$NAME"; exit 0; fi
command -v go >/dev/null || { log "go is required (Debian: golang-go)"; exit 1; }
mkdir -p "$OUT"
log "building $NAME v$VERSION from the Go module proxy (first build takes a few minutes)"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 GOBIN="$OUT/tmp"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
go install -trimpath -ldflags "-s -w $LDFLAGS" "$PACKAGE@v$VERSION" >&2
mv "$OUT/tmp/$NAME" "$OUT/$NAME"
rmdir "$OUT/tmp" 2>/dev/null || true
log "$NAME ready: $OUT/$NAME"
echo "$OUT/$NAME"
