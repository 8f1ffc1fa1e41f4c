#!/usr/bin/env bash
# Runs keychain-operator. With a reachable cluster (KUBECONFIG or ~/.kube/config), against it;
# otherwise on an embedded local control plane (etcd + kube-apiserver + kube-controller-manager on
# loopback, built from source on first use). Ctrl-C stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${KEYCHAIN_STATE_DIR:-$ROOT/.local}"
cd "$ROOT"
say() { echo "==> $*" >&2; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

cluster_reachable() {
  local kubectl="$1"
  [ -n "${KUBECONFIG:-}" ] || [ -f "$HOME/.kube/config" ] || return 1
  "$kubectl" version --request-timeout=5s >/dev/null 2>&1
}

say "building keychain-operator (./mvnw install -DskipTests)"
./mvnw -B -q install -DskipTests

kubectl_bin="$(command -v kubectl || true)"
embedded=false
if [ -n "$kubectl_bin" ] && cluster_reachable "$kubectl_bin"; then
  say "using the configured cluster: $("$kubectl_bin" config current-context 2>/dev/null || echo "$KUBECONFIG")"
else
  say "no reachable cluster configured; starting the embedded local control plane"
  embedded=true
  bin_dir="$(bash kind-test/local/build-k8s-binaries.sh)"
  kubectl_bin="$bin_dir/kubectl"
  ./mvnw -B -q -pl testing/control-plane dependency:build-classpath \
    -Dmdep.outputFile="$STATE/control-plane.classpath" >/dev/null
  mkdir -p "$STATE"
  rm -f "$STATE/control-plane/kubeconfig"
  # A new control plane has new audit keys: logs of an earlier run would (rightly) fail verification.
  rm -rf "$STATE/audit"
  KEYCHAIN_K8S_BIN="$bin_dir" java -cp "testing/control-plane/target/classes:$(cat "$STATE/control-plane.classpath")" \
    dev.keychain.testing.controlplane.LocalControlPlaneMain "$STATE/control-plane" \
    > "$STATE/control-plane.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do
    [ -f "$STATE/control-plane/kubeconfig" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$STATE/control-plane.log" >&2; exit 1; }
    sleep 0.5
  done
  [ -f "$STATE/control-plane/kubeconfig" ] || { say "control plane did not start"; cat "$STATE/control-plane.log" >&2; exit 1; }
  export KUBECONFIG="$STATE/control-plane/kubeconfig"
  say "local control plane ready; in another shell: export KUBECONFIG=$KUBECONFIG; $kubectl_bin get ns"
fi

say "installing the CRDs (kubectl apply --server-side -f crds/)"
"$kubectl_bin" apply --server-side --force-conflicts -f crds/ >/dev/null
"$kubectl_bin" wait --for=condition=Established --timeout=60s -f crds/ >/dev/null

# The operator keeps its webhook CA in a Secret of its own namespace.
OPERATOR_NS="${POD_NAMESPACE:-keychain-system}"
"$kubectl_bin" create namespace "$OPERATOR_NS" --dry-run=client -o yaml | "$kubectl_bin" apply -f - >/dev/null

say "starting the operator (log: $STATE/operator.log; Ctrl-C stops everything)"
mkdir -p "$STATE"
WEBHOOK_PORT="${KEYCHAIN_WEBHOOK_PORT:-8443}"
POD_NAMESPACE="$OPERATOR_NS" \
KEYCHAIN_WEBHOOK_PORT="$WEBHOOK_PORT" \
KEYCHAIN_WEBHOOK_EXTRA_SANS="${KEYCHAIN_WEBHOOK_EXTRA_SANS:-127.0.0.1}" \
KEYCHAIN_AGENT_OPERATOR_URL="${KEYCHAIN_AGENT_OPERATOR_URL:-https://127.0.0.1:$WEBHOOK_PORT}" \
KEYCHAIN_AUDIT_DATA_DIR="${KEYCHAIN_AUDIT_DATA_DIR:-$STATE/audit}" \
  java ${JAVA_OPTS:-} -jar operator/target/quarkus-app/quarkus-run.jar > "$STATE/operator.log" 2>&1 &
pids+=($!)
operator_pid=$!
for _ in $(seq 1 120); do
  grep -q "Starting operator" "$STATE/operator.log" 2>/dev/null && break
  kill -0 "$operator_pid" 2>/dev/null || { cat "$STATE/operator.log" >&2; exit 1; }
  sleep 0.5
done

if [ "$embedded" = true ] || [ "${KEYCHAIN_APPLY_EXAMPLES:-}" = 1 ]; then
  say "applying examples/ (a demo namespace, tenant share, KeyChain, SecureInstance, SignerWhitelist and AuditLog)"
  "$kubectl_bin" apply -f examples/ >/dev/null
  "$kubectl_bin" -n keychain-demo wait --for=condition=Ready --timeout=60s keychain/tenant-a secureinstance/web >/dev/null \
    || say "examples not Ready yet; see $STATE/operator.log"
  "$kubectl_bin" -n keychain-demo get keychains,secureinstances,signerwhitelists -o wide
fi

if [ "$embedded" = true ]; then
  # The chart registers these for the in-cluster Service; here the operator is on loopback.
  say "registering the webhooks (operator on https://127.0.0.1:$WEBHOOK_PORT; it fills in their caBundle)"
  "$kubectl_bin" apply -f - >/dev/null <<EOF_WEBHOOKS
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: keychain-operator-injection
  labels: {keychain.dev/ca-bundle: keychain-operator}
webhooks:
  - name: agents.keychain.dev
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    reinvocationPolicy: IfNeeded
    timeoutSeconds: 10
    clientConfig: {url: "https://127.0.0.1:$WEBHOOK_PORT/mutate/pods"}
    namespaceSelector: {matchLabels: {keychain.dev/injection: enabled}}
    rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: keychain-operator-images
  labels: {keychain.dev/ca-bundle: keychain-operator}
webhooks:
  - name: images.keychain.dev
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 10
    clientConfig: {url: "https://127.0.0.1:$WEBHOOK_PORT/admission/images"}
    namespaceSelector: {matchLabels: {keychain.dev/image-admission: enabled}}
    rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}]
EOF_WEBHOOKS
  for _ in $(seq 1 60); do
    [ -n "$("$kubectl_bin" get mutatingwebhookconfiguration keychain-operator-injection -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" ] \
      && [ -n "$("$kubectl_bin" get validatingwebhookconfiguration keychain-operator-images -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" ] && break
    sleep 0.5
  done
  sleep 1 # the API server reloads webhook configurations
  "$kubectl_bin" label namespace keychain-demo keychain.dev/injection=enabled keychain.dev/image-admission=enabled --overwrite >/dev/null

  say "creating pod web-0 (label app=web, selected by SecureInstance web): the operator injects its agent"
  "$kubectl_bin" -n keychain-demo run web-0 --image=nginx:1.27 --labels=app=web --restart=Never >/dev/null \
    || say "pod web-0 was not created; see $STATE/operator.log"
  "$kubectl_bin" -n keychain-demo get pod web-0 \
    -o jsonpath='{range .spec.initContainers[*]}    init container {.name} {.args} restartPolicy={.restartPolicy}{"\n"}{end}{range .spec.volumes[*]}    volume {.name}{"\n"}{end}    annotations: {.metadata.annotations}{"\n"}'
  echo "    (no kubelet here: the pod stays Pending; on a real cluster its agent enrols and writes the key)"

  say "creating a pod whose image the SignerWhitelist governs but no whitelisted key signed: denied"
  "$kubectl_bin" -n keychain-demo run unsigned --image=registry.example.com/edge/app:unsigned --restart=Never 2>&1 | sed 's/^/    /' || true

  say "the audit log of keychain-demo (examples/40-auditlog.yaml): records, checkpoints, verification"
  for _ in $(seq 1 60); do
    [ -n "$("$kubectl_bin" -n keychain-demo get auditlog demo -o jsonpath='{.status.lastVerificationResult}' 2>/dev/null)" ] && break
    sleep 1
  done
  "$kubectl_bin" -n keychain-demo get auditlog demo -o wide
  "$kubectl_bin" -n keychain-demo get auditlog demo \
    -o jsonpath='    tree size {.status.treeSize}, root {.status.rootHash}{"\n"}    last verification: {.status.lastVerificationResult} at {.status.lastVerificationTime}{"\n"}'
fi
cat >&2 <<EOF_HELP
==> the operator is running. Look around in another shell:
      export KUBECONFIG=${KUBECONFIG:-~/.kube/config}
      $kubectl_bin -n keychain-demo get keychains,secureinstances -o wide
      $kubectl_bin -n keychain-demo get keychain tenant-a -o jsonpath='{.status}'
      $kubectl_bin -n keychain-demo get signerwhitelist edge -o jsonpath='{.status}'
      $kubectl_bin -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Paused"}}'
      $kubectl_bin -n keychain-demo get events --sort-by=.lastTimestamp
      $kubectl_bin -n keychain-demo get pod web-0 -o yaml      # the injected agent
      $kubectl_bin -n keychain-demo get auditlog demo -o yaml  # tree size, root, verification
      curl -s localhost:8080/metrics | grep keychain_
EOF_HELP
wait "$operator_pid"
