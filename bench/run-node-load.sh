#!/usr/bin/env bash
# Load driver on the real local node (kind-test/local/node.sh): the chart's two replicas under
# admission reviews and agent handshakes from many clients (100 and 500 concurrent), latency from
# the clients and from the operator's own histograms, beside a no-op review of the same server
# stack measured in the same run; the chart installed with helm as in the node scenarios.
# Usage: bench/run-node-load.sh [seconds per phase] [clients, comma-separated] [pods]
#        (default 10 100,500 50; needs root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh --node)}"
export KEYCHAIN_HELM="${KEYCHAIN_HELM:-$(bash kind-test/local/build-helm.sh)}"
export KEYCHAIN_COSIGN="${KEYCHAIN_COSIGN:-$(bash kind-test/local/build-cosign.sh)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.node.NodeLoad "$@"
