#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages, Go), builds or reuses the cached
# Kubernetes binaries, then the Maven build with all unit and integration tests.
# Extra arguments go to Maven (e.g. -pl core, -Dtest=...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash kind-test/local/prerequisites.sh
# Go may come from Debian (older than Kubernetes needs): let it fetch the toolchain go.mod asks
# for from the Go module proxy.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
start=$(date +%s)
KEYCHAIN_K8S_BIN="$(bash kind-test/local/build-k8s-binaries.sh)"
export KEYCHAIN_K8S_BIN
echo "[test] control-plane binaries ready in $(( $(date +%s) - start ))s: $KEYCHAIN_K8S_BIN" >&2
exec ./mvnw -B verify "$@"
