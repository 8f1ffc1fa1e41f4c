#!/usr/bin/env bash
# CI's image step: builds the operator and agent images (build-images.sh), pushes them to a local
# OCI registry (Debian's docker-registry on a free loopback port, started and stopped here), and
# checks that the registry serves each image under its tag with the digest the build recorded.
# Writes the pushed references with their digests to target/images/pushed.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "[images] $*" >&2; }

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/storage"
cat > "$WORK/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: 127.0.0.1:$PORT
YAML
/usr/bin/docker-registry serve "$WORK/config.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true; wait $REGISTRY_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

REGISTRY="127.0.0.1:$PORT"
say "local registry at $REGISTRY"
KEYCHAIN_REGISTRY_TLS_VERIFY=false bash kind-test/images/build-images.sh "$REGISTRY" > "$WORK/built.txt"
: > target/images/pushed.txt
while IFS= read -r line; do
  ref="${line%@*}"; digest="${line#*@}"
  served="$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/$ref")"
  if [ "$served" != "$digest" ]; then
    say "$REGISTRY/$ref is served as $served, but the build recorded $digest"
    exit 1
  fi
  echo "$REGISTRY/$ref@$digest" >> target/images/pushed.txt
done < "$WORK/built.txt"
say "pushed and verified:"
sed 's/^/[images]   /' target/images/pushed.txt >&2
