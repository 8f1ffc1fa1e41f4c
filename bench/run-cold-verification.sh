#!/usr/bin/env bash
# Cold signature verification per format (Notary v1, cosign, Notation, cosign attestations), each
# beside the real CLI verifying the same image in the same run (notary lookup, cosign verify,
# notation verify, cosign verify-attestation), on a loopback registry and notary-server.
# Usage: bench/run-cold-verification.sh [iterations per phase (30)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash kind-test/local/prerequisites.sh
export KEYCHAIN_COSIGN="${KEYCHAIN_COSIGN:-$(bash kind-test/local/build-cosign.sh)}"
export KEYCHAIN_NOTATION="${KEYCHAIN_NOTATION:-$(bash kind-test/local/provide-notation.sh | tail -1)}"
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$ROOT/bench/target/classpath.txt" >/dev/null
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.keychain.bench.admission.ColdVerification "$@"
