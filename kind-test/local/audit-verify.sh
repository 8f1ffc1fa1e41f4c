#!/usr/bin/env bash
# Verifies a copied audit log: keychain-audit-verify --dir DIR [--k0-file FILE] [--public-key HEX]
#   [--head cp1... | --head-note FILE --note-key VKEY] [--range A:B] [--receipt JSON|@FILE [--receipt-log NS/NAME]]
# The head is the AuditLog's status.lastCheckpoint:
#   kubectl -n NS get auditlog NAME -o jsonpath='{.status.lastCheckpoint}'
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
(cd "$ROOT" && ./mvnw -B -q install -DskipTests -pl core \
  && ./mvnw -B -q -pl core dependency:build-classpath -Dmdep.outputFile="$ROOT/core/target/classpath.txt" >/dev/null)
exec java -cp "$ROOT/core/target/classes:$(cat "$ROOT/core/target/classpath.txt")" dev.keychain.core.audit.VerifyCommand "$@"
