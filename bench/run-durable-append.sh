#!/usr/bin/env bash
# Durable audit appends from many threads: fsync per record against group commit, beside the raw
# fsync rate of the same disk measured in the same run. No control plane needed.
# Usage: bench/run-durable-append.sh [seconds per phase (5)] [threads (16)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.audit.DurableAppendLoad "$@"
