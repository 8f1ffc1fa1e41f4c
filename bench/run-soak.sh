#!/usr/bin/env bash
# Soak on the real local node (kind-test/local/node.sh; not CI): pod churn with injection for a long
# time, operator and agent RSS sampled every 30 s, the operator's memory growth and log errors
# reported at the end (exit 1 on growth > 20% or any error line).
# Usage: bench/run-soak.sh [minutes (60)] [pods per second (10)] [pods kept (100)]   (needs root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh --node)}"
export KEYCHAIN_HELM="${KEYCHAIN_HELM:-$(bash kind-test/local/build-helm.sh)}"
bash kind-test/local/node-images.sh >/dev/null
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.node.PodChurnSoak "$@"
