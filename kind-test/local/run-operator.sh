#!/usr/bin/env bash
# Runs keychain-operator. With a reachable cluster (KUBECONFIG or ~/.kube/config), against it;
# otherwise on an embedded local control plane (etcd + kube-apiserver + kube-controller-manager,
# built from source on first use). Where this machine can run a real node (root, cgroups, port
# 10250 free: kind-test/local/node.sh check), the node joins that plane and the operator is
# installed with its Helm chart as users install it, so the demo's pods really run; elsewhere the
# operator runs as a process beside the plane and the demo's pods stay Pending.
# Ctrl-C stops everything it started.
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
with_node=""
# Images no SignerWhitelist governs: denied (the operator's default) on a configured cluster; on
# the embedded demo admitted with a warning, since its example apps are built here, unsigned.
ungoverned="${KEYCHAIN_UNGOVERNED_IMAGES:-deny}"
if [ -n "$kubectl_bin" ] && cluster_reachable "$kubectl_bin"; then
  say "using the configured cluster: $("$kubectl_bin" config current-context 2>/dev/null || echo "$KUBECONFIG")"
else
  say "no reachable cluster configured; starting the embedded local control plane"
  embedded=true
  ungoverned="${KEYCHAIN_UNGOVERNED_IMAGES:-warn}"
  if node_reason="$(bash kind-test/local/node.sh check)"; then
    with_node=true
    say "this machine can run a node: kubelet, kube-proxy, containerd and cluster DNS join the plane"
    bin_dir="$(bash kind-test/local/build-k8s-binaries.sh --node)"
  else
    say "$node_reason: the demo's pods will stay Pending"
    bin_dir="$(bash kind-test/local/build-k8s-binaries.sh)"
  fi
  kubectl_bin="$bin_dir/kubectl"
  ./mvnw -B -q -pl testing/control-plane dependency:build-classpath \
    -Dmdep.outputFile="$STATE/control-plane.classpath" >/dev/null
  [ -z "$with_node" ] || ./mvnw -B -q -pl scenarios dependency:build-classpath \
    -Dmdep.outputFile="$STATE/scenarios.classpath" >/dev/null
  mkdir -p "$STATE"
  rm -f "$STATE/control-plane/kubeconfig"
  # A new control plane has new audit keys: logs of an earlier run would (rightly) fail verification.
  rm -rf "$STATE/audit"
  KEYCHAIN_K8S_BIN="$bin_dir" java -cp "testing/control-plane/target/classes:$(cat "$STATE/control-plane.classpath")" \
    dev.keychain.testing.controlplane.LocalControlPlaneMain ${with_node:+--node} "$STATE/control-plane" \
    > "$STATE/control-plane.log" 2>&1 &
  pids+=($!)
  plane_pid=$!
  for _ in $(seq 1 1200); do
    [ -f "$STATE/control-plane/kubeconfig" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$STATE/control-plane.log" >&2; exit 1; }
    sleep 0.5
  done
  [ -f "$STATE/control-plane/kubeconfig" ] || { say "control plane did not start"; cat "$STATE/control-plane.log" >&2; exit 1; }
  export KUBECONFIG="$STATE/control-plane/kubeconfig"
  say "local control plane ready; in another shell: export KUBECONFIG=$KUBECONFIG; $kubectl_bin get ns"
fi

if [ -n "$with_node" ]; then
  # The operator as users install it: images built from this build and imported into the node,
  # then the chart (2 replicas, webhooks through the Service, leader election, its RBAC).
  say "building the operator and agent images (kind-test/images/build-images.sh) and importing them into the node"
  TAG="$(bash kind-test/images/build-images.sh 2>"$STATE/images.log" | sed -n 's/^keychain-agent:\([^@]*\)@.*/\1/p')"
  [ -n "$TAG" ] || { cat "$STATE/images.log" >&2; exit 1; }
  for image in keychain-operator keychain-agent; do
    bash kind-test/local/node.sh import "target/images/$image" "keychain.local/$image:$TAG"
  done
  helm_bin="$(bash kind-test/local/build-helm.sh)"
  say "helm install keychain helm/keychain-operator -n keychain-system (2 replicas on the node)"
  "$helm_bin" install keychain helm/keychain-operator -n keychain-system --create-namespace \
    --set image.repository=keychain.local/keychain-operator --set image.tag="$TAG" --set image.pullPolicy=Never \
    --set agent.image.repository=keychain.local/keychain-agent --set agent.image.tag="$TAG" \
    --set agent.image.pullPolicy=Never --wait --timeout 5m \
    --set webhooks.ungovernedImages="$ungoverned" >/dev/null
  "$kubectl_bin" -n keychain-system get pods -o wide

  say "publishing signed images: registry and notary on the node's address, seed 002's signers"
  app_layout="$(awk '$2 == "keychain.local/app:1" {print $1}' /var/lib/keychain-node/images.txt)"
  node_ip="$(cat /var/lib/keychain-node/address)"
  rm -rf "$STATE/demo-images"
  java -cp "scenarios/target/classes:$(cat "$STATE/scenarios.classpath")" dev.keychain.scenarios.DemoSignedImages \
    "$STATE/demo-images" "$node_ip" "$app_layout" keychain-demo > "$STATE/demo-images.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do
    [ -f "$STATE/demo-images/demo-images.txt" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$STATE/demo-images.log" >&2; exit 1; }
    sleep 0.5
  done
  grep -v '^#' "$STATE/demo-images/demo-images.txt" | while read -r layout ref; do
    bash kind-test/local/node.sh import "$layout" "$ref"
  done
  signed_image="$(awk '$2 == "signed" {print $3}' "$STATE/demo-images/demo-images.txt")"
  evil_image="$(awk '$2 == "evil" {print $3}' "$STATE/demo-images/demo-images.txt")"
  mallory_id="$(awk '$2 == "evil" {print $5}' "$STATE/demo-images/demo-images.txt")"

  say "applying examples/ and SignerWhitelist demo-signers (alice's key, for the images of the demo registry)"
  "$kubectl_bin" apply -f examples/ >/dev/null
  "$kubectl_bin" apply -f "$STATE/demo-images/demo-whitelist.yaml" >/dev/null
  "$kubectl_bin" label namespace keychain-demo keychain.dev/injection=enabled keychain.dev/image-admission=enabled --overwrite >/dev/null
  "$kubectl_bin" -n keychain-demo wait --for=condition=Ready --timeout=90s keychain/tenant-a secureinstance/web signerwhitelist/demo-signers >/dev/null \
    || say "examples not Ready yet; see kubectl -n keychain-system logs deploy/keychain-operator"
  "$kubectl_bin" -n keychain-demo get keychains,secureinstances,signerwhitelists,clustersignerwhitelists -o wide

  say "creating pod web-0 (label app=web, selected by SecureInstance web): injected, its agent enrols, it runs"
  "$kubectl_bin" -n keychain-demo run web-0 --image=keychain.local/app:1 --image-pull-policy=Never \
    --labels=app=web --restart=Never --command -- sleep 86400 >/dev/null
  "$kubectl_bin" -n keychain-demo wait --for=condition=Ready --timeout=120s pod/web-0 >/dev/null \
    || say "web-0 is not Ready; see kubectl -n keychain-demo describe pod web-0"
  "$kubectl_bin" -n keychain-demo get pod web-0 -o wide
  key_id="$("$kubectl_bin" -n keychain-demo exec web-0 -c web-0 -- cat /var/run/keychain/key.json | sed -n 's/.*"keyId" : "\([0-9a-f]*\)".*/\1/p')"
  echo "    web-0 reads its key from /var/run/keychain/key (memory volume); key ID $key_id"
  echo "    (status.agents of web says the same: $("$kubectl_bin" -n keychain-demo get si web -o jsonpath='{.status.agents[0].keyId}'))"

  say "an image alice signed (Docker Content Trust, notary delegation targets/releases): admitted"
  "$kubectl_bin" -n keychain-demo run signed --image="$signed_image" --restart=Never --command -- sleep 86400 2>&1 | sed 's/^/    /'
  say "an image signed by mallory's key, which the whitelist does not list: denied, naming that key"
  "$kubectl_bin" -n keychain-demo run evil --image="$evil_image" --restart=Never --command -- sleep 86400 2>&1 | sed 's/^/    /' || true
  echo "    (mallory's key ID: $mallory_id)"

  say "the audit log of keychain-demo (examples/40-auditlog.yaml)"
  for _ in $(seq 1 60); do
    [ -n "$("$kubectl_bin" -n keychain-demo get auditlog demo -o jsonpath='{.status.lastVerificationResult}' 2>/dev/null)" ] && break
    sleep 1
  done
  "$kubectl_bin" -n keychain-demo get auditlog demo -o wide
  cat >&2 <<EOF_NODE_HELP
==> the operator runs in the node's pods. Look around in another shell:
      export KUBECONFIG=$KUBECONFIG
      $kubectl_bin -n keychain-system get pods,lease
      $kubectl_bin -n keychain-demo exec web-0 -c web-0 -- cat /var/run/keychain/key.json   # ID and epochs, not the key
      $kubectl_bin -n keychain-demo patch secureinstance web --type merge -p '{"spec":{"state":"Paused"}}'
      $kubectl_bin -n keychain-demo exec web-0 -c web-0 -- ls /var/run/keychain        # empty while Paused
      $kubectl_bin -n keychain-demo get events --sort-by=.lastTimestamp
      $kubectl_bin -n keychain-system logs deploy/keychain-operator
==> Ctrl-C stops the operator, the node and the control plane.
EOF_NODE_HELP
  wait "$plane_pid"
  exit 0
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
KEYCHAIN_ADMISSION_UNGOVERNED_IMAGES="$ungoverned" \
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
  "$kubectl_bin" -n keychain-demo get keychains,secureinstances,signerwhitelists,clustersignerwhitelists -o wide
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
kind: MutatingWebhookConfiguration
metadata:
  name: keychain-operator-images
  labels: {keychain.dev/ca-bundle: keychain-operator}
webhooks:
  - name: pins.keychain.dev
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    reinvocationPolicy: IfNeeded
    timeoutSeconds: 10
    clientConfig: {url: "https://127.0.0.1:$WEBHOOK_PORT/mutate/images"}
    namespaceSelector: {matchLabels: {keychain.dev/image-admission: enabled}}
    rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}]
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
