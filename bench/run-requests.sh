#!/usr/bin/env bash
# API requests per SecureInstance reconcile, counted by the kube-apiserver audit log.
# Usage: bench/run-requests.sh [N]   (default: 1000)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.requests.RequestsPerReconcile "$@"
