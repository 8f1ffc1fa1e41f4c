#!/usr/bin/env bash
# Builds the operator and agent container images without a container engine: a Java runtime made
# with jlink from the build JDK plus the C library files the JVM links against (from the Debian
# packages libc6, libgcc-s1, libstdc++6 and zlib1g installed here), and the application as its own layer, assembled into
# reproducible OCI image layouts by oci_image.py. Optionally pushes them to a registry with skopeo.
#
# Usage: kind-test/images/build-images.sh [registry host:port]   (after ./mvnw package)
# Output: target/images/keychain-operator and target/images/keychain-agent (OCI layouts, tag =
#         project version), their manifest digests on stdout; with a registry, pushed there too
#         (KEYCHAIN_REGISTRY_TLS_VERIFY=false for a plain-HTTP registry).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "[images] $*" >&2; }

REGISTRY="${1:-}"
TAG="${KEYCHAIN_IMAGE_TAG:-$(sed -n 's|^  <version>\(.*\)</version>|\1|p' pom.xml | head -1)}"
OUT="$ROOT/target/images"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/keychain-operator/images"
JAVA_HOME_BUILD="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
JAVA_VERSION="$("$JAVA_HOME_BUILD/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.runtime.version = //p')"

for required in operator/target/quarkus-app/quarkus-run.jar agent/target/keychain-agent.jar; do
  [ -f "$required" ] || { say "$required is missing: run ./mvnw package first"; exit 1; }
done

# The runtime: java.se plus what the operator uses beyond it (EC, PKCS#11 for HSMs, Unsafe for
# Netty, management for health), stripped, with the JDK's default class-data-sharing archive
# (without it every JVM start parses and verifies the core classes again: the agent enrols before
# the app container starts, so its start is on every pod's path). Cached by JDK version.
JRE="$CACHE/jre-$JAVA_VERSION-cds"
if [ ! -x "$JRE/bin/java" ]; then
  say "jlink: Java $JAVA_VERSION runtime into $JRE"
  rm -rf "$JRE.tmp" && mkdir -p "$CACHE"
  "$JAVA_HOME_BUILD/bin/jlink" \
    --add-modules java.se,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.management,jdk.zipfs,jdk.naming.dns,jdk.localedata \
    --include-locales en \
    --strip-debug --no-man-pages --no-header-files --compress=2 --generate-cds-archive \
    --output "$JRE.tmp"
  mv "$JRE.tmp" "$JRE"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Base layer: the runtime, the C library, a passwd naming the non-root user, /tmp.
BASE="$WORK/base"
mkdir -p "$BASE/opt" "$BASE/etc" "$BASE/tmp"
chmod 1777 "$BASE/tmp"
cp -a "$JRE" "$BASE/opt/java"
dpkg -L libc6 libgcc-s1 libstdc++6 zlib1g | grep -E '^/(usr/)?lib(64|/x86_64-linux-gnu)?/' | while read -r f; do
  if [ -f "$f" ] && [ ! -d "$f" ]; then cp -L --parents "$f" "$BASE"; fi
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$BASE/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$BASE/etc/group"

# Application layers.
mkdir -p "$WORK/agent-app"
cp agent/target/keychain-agent.jar "$WORK/agent-app/"
cp -r agent/target/lib "$WORK/agent-app/lib"

cat > "$WORK/operator.json" <<JSON
{"Entrypoint": ["/opt/java/bin/java", "-XX:MaxRAMPercentage=75", "-jar", "/app/quarkus-run.jar"],
 "User": "65532:65532", "WorkingDir": "/app",
 "Env": ["JAVA_HOME=/opt/java", "PATH=/opt/java/bin:/usr/bin:/bin"],
 "ExposedPorts": {"8080/tcp": {}, "8443/tcp": {}},
 "Labels": {"org.opencontainers.image.title": "keychain-operator", "org.opencontainers.image.version": "$TAG"}}
JSON
cat > "$WORK/agent.json" <<JSON
{"Entrypoint": ["/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:MaxRAMPercentage=50", "-XX:-UsePerfData", "-Xss512k", "-jar", "/app/keychain-agent.jar"],
 "Cmd": ["run"], "User": "65532:65532", "WorkingDir": "/app",
 "Env": ["JAVA_HOME=/opt/java", "PATH=/opt/java/bin:/usr/bin:/bin"],
 "Labels": {"org.opencontainers.image.title": "keychain-agent", "org.opencontainers.image.version": "$TAG"}}
JSON

rm -rf "$OUT/keychain-operator" "$OUT/keychain-agent"
mkdir -p "$OUT"
say "assembling keychain-operator:$TAG"
op_digest="$(python3 kind-test/images/oci_image.py "$OUT/keychain-operator" "$TAG" "$WORK/operator.json" \
  "$BASE=/" "operator/target/quarkus-app=/app")"
say "assembling keychain-agent:$TAG"
agent_digest="$(python3 kind-test/images/oci_image.py "$OUT/keychain-agent" "$TAG" "$WORK/agent.json" \
  "$BASE=/" "$WORK/agent-app=/app")"

# Smoke: the image's runtime runs the agent (usage, exit 2) and has the modules the operator needs.
set +e
"$BASE/opt/java/bin/java" -jar "$WORK/agent-app/keychain-agent.jar" >/dev/null 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || { say "agent smoke test: expected exit 2 (usage), got $code"; exit 1; }
"$BASE/opt/java/bin/java" --list-modules | grep -q '^jdk.crypto.cryptoki' || { say "runtime lacks PKCS#11"; exit 1; }
# Where we may (root, and /proc can be mounted), run the agent image's own filesystem in a chroot
# as its non-root user: proves the C library and runtime in the image are complete.
if [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null; then
  ROOTFS="$WORK/rootfs"
  mkdir -p "$ROOTFS/proc" && cp -a "$BASE/." "$ROOTFS/" && cp -a "$WORK/agent-app" "$ROOTFS/app"
  if mount -t proc proc "$ROOTFS/proc" 2>/dev/null; then
    set +e
    chroot --userspec=65532:65532 "$ROOTFS" /opt/java/bin/java -jar /app/keychain-agent.jar >"$WORK/chroot.log" 2>&1
    code=$?
    set -e
    umount "$ROOTFS/proc"
    grep -q "usage: keychain-agent" "$WORK/chroot.log" && [ "$code" -eq 2 ] \
      || { say "agent image filesystem does not run the agent (exit $code):"; cat "$WORK/chroot.log" >&2; exit 1; }
    say "agent image filesystem runs the agent as user 65532 (chroot)"
  else
    say "cannot mount /proc here: skipping the chroot run of the agent image"
  fi
fi
skopeo inspect "oci:$OUT/keychain-agent:$TAG" >/dev/null
skopeo inspect "oci:$OUT/keychain-operator:$TAG" >/dev/null

if [ -n "$REGISTRY" ]; then
  for image in keychain-operator keychain-agent; do
    say "pushing $REGISTRY/$image:$TAG"
    skopeo copy -q --dest-tls-verify="${KEYCHAIN_REGISTRY_TLS_VERIFY:-true}" \
      "oci:$OUT/$image:$TAG" "docker://$REGISTRY/$image:$TAG"
  done
fi
echo "keychain-operator:$TAG@$op_digest"
echo "keychain-agent:$TAG@$agent_digest"
