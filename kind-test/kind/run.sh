#!/usr/bin/env bash
# End to end on a real cluster with real pods: creates a kind cluster, loads the operator and agent
# images built by kind-test/images/build-images.sh, installs the Helm chart, applies examples/ and
# runs the scenario suite (injection and enrolment, rotation, restriction, revocation, signer
# denial, audit verification). Needs a container engine (docker or podman), kind, kubectl, helm and
# skopeo; not runnable on the CI machine (no container engine there), where the same scenarios run
# against the local control plane with agents started as processes (AgentInjectionIT,
# ImageAdmissionIT, AuditLogReconcilerIT, WebhookCertificatesIT, HelmChartIT).
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
for tool in kind kubectl helm skopeo; do
  command -v "$tool" >/dev/null || fail "$tool is required"
done

say "building the operator, the agent and their images"
./mvnw -B -q package -DskipTests
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
  --set agent.image.pullPolicy=Never --wait --timeout 5m
kubectl -n keychain-system rollout status deployment/keychain-operator --timeout=180s

say "applying examples/"
kubectl apply -f examples/ >/dev/null
kubectl label namespace keychain-demo keychain.dev/injection=enabled \
  keychain.dev/image-admission=enabled --overwrite >/dev/null
kubectl -n keychain-demo wait --for=condition=Ready --timeout=120s keychain/tenant-a secureinstance/web

status() { kubectl -n keychain-demo get secureinstance web -o jsonpath="$1"; }
wait_for() { # description, timeout seconds, command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  fail "$what (after ${seconds}s)"
}

say "scenario: injection and enrolment (a pod of SecureInstance web; the app is the pause image)"
kubectl -n keychain-demo run web-0 --image=registry.k8s.io/pause:3.10 --labels=app=web --restart=Never >/dev/null
kubectl -n keychain-demo wait --for=condition=Ready --timeout=180s pod/web-0
[ "$(kubectl -n keychain-demo get pod web-0 -o jsonpath='{.spec.initContainers[0].name}')" = keychain-agent-init ] \
  || fail "pod web-0 was not injected"
wait_for "agent of web-0 acknowledged its key" 60 \
  bash -c "[ -n \"\$(kubectl -n keychain-demo get secureinstance web -o jsonpath='{.status.agents[?(@.pod==\"web-0\")].lastSeen}')\" ]"
kubectl -n keychain-demo logs web-0 -c keychain-agent-init | grep -q "key " || fail "init container log has no key line"

say "scenario: rotation (Restart raises the sub-key epoch once the agent holds it)"
kubectl -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Restart"}}' >/dev/null
wait_for "sub-key epoch 1 completed" 120 bash -c "[ \"\$(kubectl -n keychain-demo get secureinstance web -o jsonpath='{.status.subKeyEpoch}/{.status.state}')\" = 1/Running ]"

say "scenario: restriction (Paused wipes the key, Running restores it)"
kubectl -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Paused"}}' >/dev/null
wait_for "agent wiped its key" 60 bash -c "kubectl -n keychain-demo logs web-0 -c keychain-agent | grep -q 'key wiped: restricted'"
kubectl -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Running"}}' >/dev/null
wait_for "agent took its key back" 60 bash -c "kubectl -n keychain-demo logs web-0 -c keychain-agent | tail -1 | grep -q ' key '"

say "scenario: signer denial"
if out="$(kubectl -n keychain-demo run unsigned --image=registry.example.com/edge/app:unsigned --restart=Never 2>&1)"; then
  fail "pod with an image no whitelisted key signed was admitted"
fi
echo "$out" | grep -q 'denied the request' || fail "unexpected error: $out"

say "scenario: audit verification"
wait_for "AuditLog demo verified" 120 bash -c "[ \"\$(kubectl -n keychain-demo get auditlog demo -o jsonpath='{.status.lastVerificationResult}' | cut -c1-8)\" = verified ]"

say "scenario: revocation (Deleted: the agent wipes its key and exits 4)"
kubectl -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Deleted"}}' >/dev/null
wait_for "agent exited 4" 120 bash -c "kubectl -n keychain-demo logs web-0 -c keychain-agent --previous 2>/dev/null | grep -q 'exit 4' || kubectl -n keychain-demo logs web-0 -c keychain-agent | grep -q 'exit 4'"

say "all scenarios passed"
