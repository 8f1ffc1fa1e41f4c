#!/usr/bin/env bash
# Audit append throughput against raw SHA-256 of the same 1 KiB records, in alternating windows of
# one JVM (robust to the host's speed drifting between JMH forks). No control plane needed.
# Usage: bench/run-append-ratio.sh [rounds (15)] [window ms (1000)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./mvnw -B -q install -DskipTests -pl bench -am
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.keychain.bench.audit.AppendRatioLoad "$@"
