#!/usr/bin/env bash
# Durable audit append latency while a full verification of a large log runs, against idle appends
# in the same run, and against verification under the appenders' lock (as before).
# Usage: bench/run-append-during-verification.sh [records (1000000)] [seconds (10)] [threads (16)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.audit.AppendDuringVerification "$@"
