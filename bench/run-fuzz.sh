#!/usr/bin/env bash
# Long fuzz campaigns over every parser of untrusted input (the *FuzzTest classes of core, agent and
# operator), with more tries than CI's budget (core/ and operator/src/test/resources/
# junit-platform.properties). A failure prints the seed that reproduces it; make it a regression
# test. Usage: bench/run-fuzz.sh [tries per property (100000)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TRIES="${1:-100000}"
./mvnw -B -q install -DskipTests
start=$(date +%s)
log="$ROOT/target/fuzz-campaign.log"
mkdir -p "$ROOT/target"
rc=0
./mvnw -B test -pl core,operator,agent -Dtest='*FuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Djqwik.tries.default="$TRIES" >"$log" 2>&1 || rc=$?
grep -E "Tests run:|FAIL|seed =|threw|refused|changed" "$log" || true
echo "fuzz campaign of $TRIES tries per property took $(( $(date +%s) - start )) s (log: $log)"
exit "$rc"
