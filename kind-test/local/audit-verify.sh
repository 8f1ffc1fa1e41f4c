#!/usr/bin/env bash
# Verifies a copied audit log: keychain-audit-verify --dir DIR [--k0-file FILE] [--head cp1...] [--range A:B]
# The head is the AuditLog's status.lastCheckpoint:
#   kubectl -n NS get auditlog NAME -o jsonpath='{.status.lastCheckpoint}'
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
(cd "$ROOT" && ./mvnw -B -q install -DskipTests -pl core \
  && ./mvnw -B -q -pl core dependency:build-classpath -Dmdep.outputFile="$ROOT/core/target/classpath.txt" >/dev/null)
exec java -cp "$ROOT/core/target/classes:$(cat "$ROOT/core/target/classpath.txt")" dev.keychain.core.audit.VerifyCommand "$@"
