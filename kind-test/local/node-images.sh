#!/usr/bin/env bash
# The images the local node needs besides the operator's and the agent's, built here without a
# container engine or a registry (oci_image.py assembles OCI layouts):
#   keychain.local/pause     the sandbox image: pause.c from the k8s.io/kubernetes module, static
#   keychain.local/coredns   cluster DNS (build-coredns.sh: cluster.local only, no forwarders)
#   keychain.local/app       the test applications: Debian's static busybox (sh, cat, sleep, nc)
# Cached by version. Prints one line per image: "<OCI layout dir> <name>:<tag>".
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
K8S_VERSION="${K8S_VERSION:-1.34.4}"
PAUSE_TAG=3.10.1
APP_TAG=1
CACHE="${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}/node-images"
log() { echo "[node-images] $*" >&2; }
mkdir -p "$CACHE"
export GOFLAGS="-mod=mod" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

layout() { # NAME TAG CONFIG_JSON LAYER_SPEC...: builds $CACHE/NAME unless it holds TAG already
  local name="$1" tag="$2" config="$3"; shift 3
  local out="$CACHE/$name"
  if [ -f "$out/index.json" ] && grep -q "\"$tag\"" "$out/index.json"; then return; fi
  rm -rf "$out.tmp"
  python3 "$ROOT/kind-test/images/oci_image.py" "$out.tmp" "$tag" "$config" "$@" >/dev/null
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "built keychain.local/$name:$tag"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# pause: the source ships inside the Kubernetes module zip (already in the Go module cache).
if [ ! -f "$CACHE/pause/index.json" ] || ! grep -q "\"$PAUSE_TAG\"" "$CACHE/pause/index.json"; then
  command -v gcc >/dev/null || { log "gcc is required to build the pause image (Debian: gcc, libc6-dev)"; exit 1; }
  src="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -f "$src/build/pause/linux/pause.c" ] || { log "pause.c not found in k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
  mkdir -p "$work/pause"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_TAG-keychain" -o "$work/pause/pause" "$src/build/pause/linux/pause.c"
  strip "$work/pause/pause"
  echo '{"Entrypoint": ["/pause"], "User": "65535:65535"}' > "$work/pause.json"
  layout pause "$PAUSE_TAG" "$work/pause.json" "$work/pause=/"
fi

coredns="$(bash "$HERE/build-coredns.sh")"
coredns_tag="$(basename "$(dirname "$coredns")")"; coredns_tag="${coredns_tag#v}"
mkdir -p "$work/coredns"
cp "$coredns" "$work/coredns/coredns"
echo '{"Entrypoint": ["/coredns"], "User": "65532:65532"}' > "$work/coredns.json"
layout coredns "$coredns_tag" "$work/coredns.json" "$work/coredns=/"

busybox="$(command -v busybox || true)"
[ -n "$busybox" ] && ! readelf -d "$busybox" 2>/dev/null | grep -q NEEDED \
  || { log "a static busybox is required (Debian: busybox-static)"; exit 1; }
mkdir -p "$work/app/bin" "$work/app/tmp"
chmod 1777 "$work/app/tmp"
cp "$busybox" "$work/app/bin/busybox"
for applet in sh cat sleep nc ls id env echo test sha256sum head tr wc; do ln -s busybox "$work/app/bin/$applet"; done
echo '{"Entrypoint": ["/bin/sh"], "Env": ["PATH=/bin"], "User": "65532:65532"}' > "$work/app.json"
layout app "$APP_TAG" "$work/app.json" "$work/app=/"

echo "$CACHE/pause keychain.local/pause:$PAUSE_TAG"
echo "$CACHE/coredns keychain.local/coredns:$coredns_tag"
echo "$CACHE/app keychain.local/app:$APP_TAG"
