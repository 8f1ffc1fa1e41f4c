#!/usr/bin/env bash
# Puts an etcd binary into DIR: Debian's etcd-server when its version is one Kubernetes supports
# (>= 3.4.22, the documented minimum for current Kubernetes releases), else one built from the Go
# module proxy at ETCD_VERSION.
set -euo pipefail
OUT="$1"; ETCD_VERSION="${2:-3.5.21}"
log() { echo "[etcd] $*" >&2; }

supported() { # $1 = x.y.z
  local IFS=.; set -- $1
  [ "$1" -gt 3 ] || { [ "$1" -eq 3 ] && { [ "$2" -ge 5 ] || { [ "$2" -eq 4 ] && [ "$3" -ge 22 ]; }; }; }
}

for candidate in /usr/bin/etcd /usr/local/bin/etcd; do
  if [ -x "$candidate" ]; then
    v=$("$candidate" --version 2>/dev/null | sed -n 's/^etcd Version: \([0-9.]*\).*/\1/p')
    if [ -n "$v" ] && supported "$v"; then
      log "using $candidate (etcd $v)"
      ln -sf "$candidate" "$OUT/etcd"
      exit 0
    fi
    log "$candidate is etcd ${v:-unknown}, not supported; building etcd $ETCD_VERSION"
  fi
done

work="$(dirname "$OUT")/etcd-src"
mkdir -p "$work"; cd "$work"
cat > go.mod <<GOMOD
module keychain.dev/etcd

go 1.23

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION
GOMOD
cat > main.go <<'GO'
// etcd built from its published server module (the root module's local replaces keep
// `go install go.etcd.io/etcd/v3@version` from working).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
GOFLAGS="-mod=mod -buildvcs=false" go mod tidy >&2
CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -o "$OUT/etcd" .
log "built etcd $ETCD_VERSION"
