#!/usr/bin/env bash
# Load driver: the agent injection webhook and agent handshakes under load (also with the image
# check of an instance that names a SignerWhitelist), beside unloaded round trips
# (the same server) measured in the same run. The operator runs as its own process against the
# local control plane; the driver creates injected pods and uses their real bound tokens.
# Usage: bench/run-agents.sh [seconds per phase (10)] [client threads (16)] [pods (50)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash kind-test/local/prerequisites.sh
export KEYCHAIN_K8S_BIN="${KEYCHAIN_K8S_BIN:-$(bash kind-test/local/build-k8s-binaries.sh)}"
export KEYCHAIN_COSIGN="${KEYCHAIN_COSIGN:-$(bash kind-test/local/build-cosign.sh)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.agent.AgentLoad "$@"
