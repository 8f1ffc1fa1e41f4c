#!/usr/bin/env bash
# Load driver: N SecureInstances to Ready with the operator on the local control plane.
# Usage: bench/run-instances.sh [N ...]   (default: 100 1000)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.instances.InstancesToReady "$@"
