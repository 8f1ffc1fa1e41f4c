#!/usr/bin/env bash
# End to end on a real cluster with real pods: creates a kind cluster, loads the operator and agent
# images built by kind-test/images/build-images.sh, installs the Helm chart, applies examples/ and
# runs the scenario suite (injection and enrolment, rotation, restriction, revocation, signer
# denial, audit verification). Needs a container engine (docker or podman), kind, kubectl, helm and
# skopeo (cosign is built from the Go module proxy); not runnable on the CI machine (no container
# engine there), where the same suite (scenarios/ScenarioSuite) runs against the local control
# plane with agents started as processes, under the chart's RBAC (ChartRbacScenariosIT).
#
# What only this run covers: the kubelet running the injected init container and native sidecar,
# the projected token mounted and rotated by the kubelet, the memory-backed key volume, the images
# themselves starting in a container runtime, the Service (ClientIP affinity) in front of two
# replicas with leader election, and the chart installed by helm rather than rendered.
#
# Usage: kind-test/kind/run.sh [--keep]   (KIND_CLUSTER, default keychain)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CLUSTER="${KIND_CLUSTER:-keychain}"
KEEP="${1:-}"
say() { echo "==> $*" >&2; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ENGINE="${KIND_EXPERIMENTAL_PROVIDER:-docker}"
for tool in kind kubectl helm skopeo "$ENGINE"; do
  command -v "$tool" >/dev/null || fail "$tool is required"
done

say "building the operator, the agent and their images"
./mvnw -B -q install -DskipTests
TAG="$(bash kind-test/images/build-images.sh | sed -n 's/^keychain-agent:\([^@]*\)@.*/\1/p')"

if ! kind get clusters | grep -qx "$CLUSTER"; then
  say "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 120s
fi
[ "$KEEP" = "--keep" ] || trap 'kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true' EXIT
kubectl config use-context "kind-$CLUSTER" >/dev/null

for image in keychain-operator keychain-agent; do
  say "loading $image:$TAG into the cluster"
  rm -f "target/images/$image.tar"
  skopeo copy -q "oci:target/images/$image:$TAG" "docker-archive:target/images/$image.tar:$image:$TAG"
  kind load image-archive "target/images/$image.tar" --name "$CLUSTER"
done

say "installing the chart"
helm upgrade --install keychain helm/keychain-operator -n keychain-system --create-namespace \
  --set image.repository=keychain-operator --set image.tag="$TAG" --set image.pullPolicy=Never \
  --set agent.image.repository=keychain-agent --set agent.image.tag="$TAG" \
  --set agent.image.pullPolicy=Never --wait --timeout 5m \
  --set webhooks.ungovernedImages=warn # the scenario apps are built here, under no whitelist
kubectl -n keychain-system rollout status deployment/keychain-operator --timeout=180s

# The signer scenario's images: a registry on the kind network (kind-registry:5000 for the
# operator's pods, localhost:5001 for this host), two images with different digests, one signed
# with cosign under a fresh key whose signature names the in-cluster reference.
say "registry kind-registry and the signer scenario's images"
if ! "$ENGINE" inspect kind-registry >/dev/null 2>&1; then
  "$ENGINE" run -d --restart=always --name kind-registry -p 127.0.0.1:5001:5000 --network kind registry:2 >/dev/null
fi
[ "$KEEP" = "--keep" ] || trap 'kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; "$ENGINE" rm -f kind-registry >/dev/null 2>&1 || true' EXIT
skopeo copy -q --dest-tls-verify=false "oci:target/images/keychain-agent:$TAG" docker://localhost:5001/scenario/app:signed
skopeo copy -q --dest-tls-verify=false "oci:target/images/keychain-operator:$TAG" docker://localhost:5001/scenario/app:unsigned
DIGEST="$(skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://localhost:5001/scenario/app:signed)"
COSIGN="$(bash kind-test/local/build-cosign.sh)"
KEYS="$(mktemp -d)"
export COSIGN_PASSWORD=kind-scenarios
(cd "$KEYS" && "$COSIGN" generate-key-pair >/dev/null)
"$COSIGN" sign --key "$KEYS/cosign.key" --tlog-upload=false --allow-http-registry --allow-insecure-registry -y \
  --sign-container-identity kind-registry:5000/scenario/app "localhost:5001/scenario/app@$DIGEST"

say "examples/ (as a user applies them)"
kubectl apply -f examples/ >/dev/null

say "the scenario suite with real pods (scenarios/ScenarioSuite, agents run by the kubelet)"
./mvnw -B -q -pl scenarios dependency:build-classpath -Dmdep.outputFile="$ROOT/scenarios/target/classpath.txt" >/dev/null
KEYCHAIN_SCENARIO_IMAGE_PATTERN='kind-registry:5000/scenario/**' \
KEYCHAIN_SCENARIO_SIGNED_IMAGE=kind-registry:5000/scenario/app:signed \
KEYCHAIN_SCENARIO_UNSIGNED_IMAGE=kind-registry:5000/scenario/app:unsigned \
KEYCHAIN_SCENARIO_SIGNER_KEY="$KEYS/cosign.pub" \
  java -cp "scenarios/target/classes:$(cat scenarios/target/classpath.txt)" dev.keychain.scenarios.ScenarioMain
say "all scenarios passed"
