#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages, Go), builds or reuses the cached
# Kubernetes binaries (with the node's: kubelet, kube-proxy, kube-scheduler), CoreDNS, the node's
# images, helm, cosign, notation and a registry with the referrers API, then the Maven build with
# all unit and integration tests, among them the scenarios on a real local node (NodeScenariosIT).
# Where no node can run here, that suite is skipped with the one-line reason; in CI (CI=true) that
# is a failure.
# Extra arguments go to Maven (e.g. -pl core, -Dtest=...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash kind-test/local/prerequisites.sh
# Go may come from Debian (older than Kubernetes needs): let it fetch the toolchain go.mod asks
# for from the Go module proxy.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
start=$(date +%s)
KEYCHAIN_K8S_BIN="$(bash kind-test/local/build-k8s-binaries.sh --node)"
export KEYCHAIN_K8S_BIN
echo "[test] Kubernetes binaries ready in $(( $(date +%s) - start ))s: $KEYCHAIN_K8S_BIN" >&2
if node_reason="$(bash kind-test/local/node.sh check)"; then
  start=$(date +%s)
  bash kind-test/local/node-images.sh >/dev/null
  echo "[test] local node possible; its images (pause, CoreDNS, app) ready in $(( $(date +%s) - start ))s" >&2
elif [ "${CI:-}" = true ]; then
  echo "[test] CI must run the node suite, but $node_reason" >&2
  exit 1
else
  echo "[test] $node_reason: the node scenarios (NodeScenariosIT) will be skipped" >&2
fi
start=$(date +%s)
KEYCHAIN_COSIGN="$(bash kind-test/local/build-cosign.sh)"
export KEYCHAIN_COSIGN
echo "[test] cosign ready in $(( $(date +%s) - start ))s: $KEYCHAIN_COSIGN" >&2
KEYCHAIN_NOTATION="$(bash kind-test/local/provide-notation.sh | tail -1)"
export KEYCHAIN_NOTATION
echo "[test] notation ready: $KEYCHAIN_NOTATION" >&2
KEYCHAIN_REFERRERS_REGISTRY="$(bash kind-test/local/build-referrers-registry.sh | tail -1)"
export KEYCHAIN_REFERRERS_REGISTRY
KEYCHAIN_HELM="$(bash kind-test/local/build-helm.sh)"
export KEYCHAIN_HELM
echo "[test] helm ready in $(( $(date +%s) - start ))s: $KEYCHAIN_HELM" >&2
./mvnw -B verify "$@"
# The build regenerates crds/ from the model classes: any difference from what is committed is a
# model change whose CRDs were not committed.
if [ -d .git ] && ! git diff --quiet -- crds/; then
  echo "[test] crds/ differs from the model classes; commit the regenerated CRDs:" >&2
  git --no-pager diff --stat -- crds/ >&2
  exit 1
fi
if [ -d .git ] && [ -n "$(git ls-files --others --exclude-standard -- crds/)" ]; then
  echo "[test] new generated CRDs are not committed:" >&2
  git ls-files --others --exclude-standard -- crds/ >&2
  exit 1
fi

# The operator and agent images, built without a container engine from what the build packaged,
# smoke-tested (the agent image's filesystem runs the agent as its non-root user), pushed to a
# local registry and checked there by tag and digest.
echo "[test] building and pushing the images (kind-test/images/push-local.sh)" >&2
bash kind-test/images/push-local.sh
