#!/usr/bin/env bash
# Storage per audit record (seed 003, Table 3): our log's bytes beyond the records on disk, beside
# the baselines' tags for the same records. No control plane needed.
# Usage: bench/run-audit-storage.sh [records (100000)] [checkpoint every (1000)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./mvnw -B -q install -DskipTests -pl bench -am
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -Xmx2g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.keychain.bench.audit.AuditStorageReport "$@"
