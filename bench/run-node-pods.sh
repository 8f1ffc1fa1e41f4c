#!/usr/bin/env bash
# Load driver on the real local node (kind-test/local/node.sh): pod create to Ready with the
# agent injected against without, agent sidecar memory and JVM start, operator memory with M
# SecureInstances; the chart installed with helm as in the node scenarios.
# Usage: bench/run-node-pods.sh [N pods] [M instances]   (default 20 100; needs root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh --node)}"
export KEYCHAIN_HELM="${KEYCHAIN_HELM:-$(bash kind-test/local/build-helm.sh)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.node.NodePods "$@"
