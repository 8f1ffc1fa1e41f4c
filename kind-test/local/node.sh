#!/usr/bin/env bash
# A real Kubernetes node on this machine, for the local control plane: containerd + runc + CNI
# (Debian), kubelet and kube-proxy (build-k8s-binaries.sh --node), cluster DNS (CoreDNS in a pod),
# every image imported, never pulled. One node per machine: its state lives in NODE_HOME
# (/var/lib/keychain-node), so a later run finds and removes what an earlier, killed run left.
#
#   node.sh check                 exit 0 if a node can run here, else 3 with one line saying why
#   node.sh prepare               remove leftovers, then make the pod network (bridge kcbr0 with
#                                 10.244.0.1/24, guarded so that no pod packet leaves the machine);
#                                 the API server must bind to the printed address before `up`
#   node.sh up CONFIG_DIR         start containerd, import the node images, start kubelet and
#                                 kube-proxy, wait for the node to be Ready, run CoreDNS; CONFIG_DIR
#                                 holds ca.crt, admin/kubelet/kube-proxy kubeconfigs and may hold
#                                 control-plane.pids (killed by `down`)
#   node.sh import LAYOUT NAME    import an OCI image layout into the node as NAME (name:tag)
#   node.sh down                  stop and remove everything `prepare` and `up` made
#
# Network rule: pods live on a bridge of their own with a private CIDR, no masquerading, and a
# mangle-table FORWARD rule (before anything kube-proxy adds to the filter table) drops every
# packet from the bridge that would leave by another interface, IPv4 and IPv6. NodePorts listen on
# the bridge address only; the kubelet listens on it too.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
H="${KEYCHAIN_NODE_HOME:-/var/lib/keychain-node}"
NODE_NAME=keychain-node
BRIDGE=kcbr0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR="${KEYCHAIN_SERVICE_CIDR:-10.0.0.0/24}"
DNS_IP="${KEYCHAIN_DNS_IP:-10.0.0.10}"
GUARD=KEYCHAIN-NODE-GUARD
SOCK="$H/containerd/containerd.sock"
K8S_BIN="${KEYCHAIN_K8S_BIN:-${KEYCHAIN_CACHE:-$HOME/.cache/keychain-operator}/k8s/v${K8S_VERSION:-1.34.4}/bin}"
say() { echo "[node] $*" >&2; }

# --- can a node run here? ---------------------------------------------------------------------

why_not() {
  [ "$(id -u)" -eq 0 ] || { echo "not root (the kubelet, containerd and the pod network need root)"; return; }
  [ "$(uname -s)" = Linux ] || { echo "not Linux"; return; }
  if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/memory ]; then
    echo "no cgroup hierarchy mounted at /sys/fs/cgroup"; return
  fi
  for tool in containerd containerd-shim-runc-v2 runc ctr ip iptables ip6tables; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (kind-test/local/prerequisites.sh --node installs it)"; return; }
  done
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ] \
    || { echo "CNI plugins are missing in /usr/lib/cni (Debian: containernetworking-plugins)"; return; }
  if ! [ -f "$H/owner" ]; then  # a listener of our own leftovers is removed by prepare
    if grep -qE '(^|:)10250$' <<< "$(ss -Hltn 2>/dev/null | awk '{print $4}')"; then
      echo "port 10250 is taken: another kubelet runs on this machine"; return
    fi
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
      echo "a network interface $BRIDGE exists that this script did not make"; return
    fi
  fi
  if grep -qE '^10\.244\.0\.' <<< "$(ip -4 route show | grep -v "dev $BRIDGE")"; then
    echo "the pod network $POD_CIDR is routed elsewhere on this machine"; return
  fi
}

check() {
  local reason; reason="$(why_not)"
  if [ -n "$reason" ]; then echo "no local node: $reason"; exit 3; fi
}

# --- cleanup: everything a run (this one or a killed one) made ----------------------------------

ours() { # PID: does the process belong to this node's home (its command line names it)?
  local cmdline; cmdline="$(tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline")" || return 1
  [[ "$cmdline" == *"$H"* ]]
}

kill_pids() { # PIDS...: TERM, wait up to 5 s, KILL
  local pid alive
  [ $# -gt 0 ] || return 0
  kill "$@" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  kill -9 "$@" 2>/dev/null || true
}

pod_cgroup_pids() { # every process in the kubelet's pod cgroups (containers and their shims' children)
  find /sys/fs/cgroup -path '*kubepods*' -name cgroup.procs 2>/dev/null | xargs -r cat 2>/dev/null | sort -u
}

remove_pod_cgroups() { # depth first; only empty cgroups can go
  find /sys/fs/cgroup -depth -type d -path '*kubepods*' -exec rmdir {} \; 2>/dev/null || true
}

down() {
  local pids=() pid cmdline data
  [ -d "$H" ] || return 0   # nothing of ours on this machine
  say "stopping the node in $H"
  # kube-proxy first, so that it can remove its own rules; then the kubelet, so it restarts nothing.
  for name in kube-proxy kubelet; do
    if [ -f "$H/pids/$name" ] && pid="$(cat "$H/pids/$name")" && ours "$pid"; then kill_pids "$pid"; fi
  done
  if [ -x "$K8S_BIN/kube-proxy" ]; then "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  # Containers: their processes sit in the pod cgroups; shims and daemons name NODE_HOME.
  mapfile -t pids < <(pod_cgroup_pids)
  [ ${#pids[@]} -eq 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
  mapfile -t pids < <(for p in /proc/[0-9]*; do p="${p#/proc/}"; ours "$p" && echo "$p"; done)
  kill_pids "${pids[@]}"
  if [ -f "$H/config/control-plane.pids" ]; then
    # The plane the node joined, if the JVM that ran it was killed: its processes and etcd's data.
    mapfile -t pids < <(cat "$H/config/control-plane.pids")
    for pid in "${pids[@]}"; do
      cmdline="$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline")" || continue
      [[ "$cmdline" == *etcd* || "$cmdline" == *kube-* ]] && kill_pids "$pid"
    done
    if [ -f "$H/config/etcd-data-location" ]; then
      data="$(cat "$H/config/etcd-data-location")"
      case "$data" in /dev/shm/keychain-etcd-*) rm -rf "$data" ;; esac
    fi
  fi
  # Mounts under the node's home (rootfs overlays, tmpfs volumes, projected tokens, netns), deepest first.
  for _ in 1 2 3; do
    awk -v h="$H" '$2 == h || index($2, h "/") == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
  remove_pod_cgroups
  # CNI's result cache of the sandboxes this node made (their IDs name the files).
  for sandbox in "$H"/containerd/root/io.containerd.grpc.v1.cri/sandboxes/*; do
    [ -e "$sandbox" ] && rm -f /var/lib/cni/results/*-"$(basename "$sandbox")"-* 2>/dev/null
  done
  # Paths the kubelet and CNI use whatever their configuration says.
  find /var/log/containers -maxdepth 1 -name '*.log' -lname "$H/*" -delete 2>/dev/null || true
  rm -rf /var/lib/cni/networks/keychain-node 2>/dev/null || true
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock 2>/dev/null || true
  restore_network_only
  rm -rf "$H"
  say "node stopped and removed"
}

restore_network_only() {
  local t
  ip link del "$BRIDGE" 2>/dev/null || true
  for t in iptables ip6tables; do
    command -v "$t" >/dev/null || continue
    while "$t" -t mangle -D FORWARD -j "$GUARD" 2>/dev/null; do :; done
    "$t" -t mangle -F "$GUARD" 2>/dev/null || true
    "$t" -t mangle -X "$GUARD" 2>/dev/null || true
    # Chains kube-proxy and the CNI plugins add (KUBE-*, CNI-*): only a node of ours made them here,
    # and why_not refuses to start beside another kubelet.
    for table in filter nat mangle; do
      "$t" -t "$table" -S 2>/dev/null | awk '/^-A (FORWARD|INPUT|OUTPUT|PREROUTING|POSTROUTING) .*-j (KUBE|CNI)-/' \
        | sed 's/^-A/-D/' | while read -r rule; do eval "\"$t\" -t $table $rule" 2>/dev/null || true; done
      "$t" -t "$table" -S 2>/dev/null | awk '/^-N (KUBE|CNI)-/ {print $2}' | while read -r chain; do
        "$t" -t "$table" -F "$chain" 2>/dev/null || true
      done
      "$t" -t "$table" -S 2>/dev/null | awk '/^-N (KUBE|CNI)-/ {print $2}' | while read -r chain; do
        "$t" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  if [ -f "$H/sysctl.saved" ]; then
    while read -r key value; do sysctl -q -w "$key=$value" >/dev/null 2>&1 || true; done < "$H/sysctl.saved"
    rm -f "$H/sysctl.saved"
  fi
}

# --- prepare: the pod network ---------------------------------------------------------------------

prepare() {
  [ -f "$H/owner" ] && down
  check
  mkdir -p "$H"/{pids,logs,config}
  echo "keychain-operator local node, started $(date -u +%FT%TZ) by pid $$" > "$H/owner"
  echo "$NODE_IP" > "$H/address"
  : > "$H/sysctl.saved"
  for key in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables; do
    value="$(sysctl -n "$key" 2>/dev/null)" && echo "$key $value" >> "$H/sysctl.saved"
  done
  ip link add "$BRIDGE" type bridge
  ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for t in iptables ip6tables; do
    "$t" -t mangle -N "$GUARD"
    "$t" -t mangle -A "$GUARD" -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
    "$t" -t mangle -I FORWARD 1 -j "$GUARD"
  done
  # Service traffic is routed through the host (DNAT to a pod on the same bridge), and its replies
  # are bridged: both need the kernel's forwarding and bridge netfilter hooks.
  sysctl -q -w net.ipv4.ip_forward=1
  sysctl -q -w net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
  sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 2>/dev/null || true
  echo "$NODE_IP"
}

# --- up -------------------------------------------------------------------------------------------

start_daemon() { # NAME COMMAND...: in its own session, logging to $H/logs/NAME.log
  local name="$1"; shift
  setsid "$@" > "$H/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$H/pids/$name"
}

await() { # SECONDS WHAT COMMAND...
  local seconds="$1" what="$2"; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  say "$what did not happen within ${seconds}s"
  return 1
}

import() { # LAYOUT NAME:TAG
  local layout="$1" ref="$2" tar
  tar="$(mktemp --suffix=.tar)"
  # The layout's own ref name is the tag; --base-name gives the repository.
  tar -C "$layout" -cf "$tar" .
  ctr -a "$SOCK" -n k8s.io images import --base-name "${ref%:*}" --digests "$tar" >/dev/null
  rm -f "$tar"
  local names; names="$(ctr -a "$SOCK" -n k8s.io images ls -q)"
  grep -qx "$ref" <<< "$names" || { say "import of $ref failed"; return 1; }
}

up() {
  local cfg="$1" bin images line
  [ -f "$H/owner" ] || { say "run 'node.sh prepare' first"; exit 1; }
  for f in ca.crt admin.kubeconfig kubelet.kubeconfig kube-proxy.kubeconfig; do
    [ -f "$cfg/$f" ] || { say "$cfg/$f is missing"; exit 1; }
  done
  cp "$cfg"/* "$H/config/"
  bin="$(bash "$HERE/build-k8s-binaries.sh" --node)"
  export KEYCHAIN_K8S_BIN="$bin"
  mkdir -p "$H"/{containerd,cni/net.d,cni/ipam,kubelet,pod-logs,proxy}
  mkdir -p "$H/containerd/certs.d/_default"

  # Any pull goes to a closed loopback port: images are imported, never pulled.
  cat > "$H/containerd/certs.d/_default/hosts.toml" <<EOF
server = "http://127.0.0.1:9"
[host."http://127.0.0.1:9"]
  capabilities = ["pull", "resolve"]
EOF
  cat > "$H/containerd/config.toml" <<EOF
version = 2
root = "$H/containerd/root"
state = "$H/containerd/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "keychain.local/pause:3.10.1"
  # The VM's capability bounding set lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$H/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$H/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$H/containerd/certs.d"
[plugins."io.containerd.internal.v1.opt"]
  path = "$H/containerd/opt"
EOF
  cat > "$H/cni/net.d/10-keychain.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "keychain-node",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$H/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  say "starting containerd"
  start_daemon containerd containerd --config "$H/containerd/config.toml"
  await 30 "containerd to answer on $SOCK" ctr -a "$SOCK" version \
    || { tail -20 "$H/logs/containerd.log" >&2; exit 1; }

  images="$(bash "$HERE/node-images.sh")"
  echo "$images" > "$H/images.txt"   # "<layout> <name:tag>" per line, for the tests
  while read -r layout ref; do
    import "$layout" "$ref"
  done <<< "$images"
  say "imported $(wc -l <<< "$images") node images"

  : > "$H/config/resolv.conf"   # pods with dnsPolicy Default get no outside resolver
  cat > "$H/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $H/config/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$SOCK
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $H/config/resolv.conf
podLogsDir: $H/pod-logs
serializeImagePulls: false
# Imported images must stay: no image garbage collection, no eviction for a full disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "0%", imagefs.available: "0%"}
maxPods: 110
EOF
  say "starting the kubelet"
  start_daemon kubelet "$bin/kubelet" --config="$H/config/kubelet.yaml" \
    --kubeconfig="$H/config/kubelet.kubeconfig" --root-dir="$H/kubelet" --cert-dir="$H/kubelet/pki" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  cat > "$H/config/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $H/config/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  say "starting kube-proxy"
  start_daemon kube-proxy "$bin/kube-proxy" --config="$H/config/kube-proxy.yaml" --v=1

  local kubectl=("$bin/kubectl" --kubeconfig="$H/config/admin.kubeconfig")
  if ! await 90 "node $NODE_NAME to be Ready" \
      "${kubectl[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s; then
    tail -30 "$H/logs/kubelet.log" >&2; exit 1
  fi
  say "node $NODE_NAME Ready; starting cluster DNS on $DNS_IP"
  "${kubectl[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:1053 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      terminationGracePeriodSeconds: 1
      containers:
        - name: coredns
          image: keychain.local/coredns:$(sed -n 's|.*keychain.local/coredns:||p' <<< "$images")
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - {name: dns, containerPort: 1053, protocol: UDP}
            - {name: dns-tcp, containerPort: 1053, protocol: TCP}
          securityContext:
            runAsNonRoot: true
            capabilities: {drop: [ALL]}
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
          readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
          livenessProbe: {httpGet: {path: /health, port: 8080}}
          resources: {limits: {memory: 64Mi}}
          volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
    - {name: dns, port: 53, targetPort: 1053, protocol: UDP}
    - {name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP}
EOF
  if ! "${kubectl[@]}" -n kube-system rollout status deployment/coredns --timeout=90s >/dev/null; then
    "${kubectl[@]}" -n kube-system get pods -o wide >&2
    "${kubectl[@]}" -n kube-system describe pods -l k8s-app=kube-dns | sed -n '/^Events:/,$p' >&2
    "${kubectl[@]}" -n kube-system logs -l k8s-app=kube-dns --tail=20 >&2 || true
    [ -z "${KEYCHAIN_NODE_DEBUG:-}" ] || { say "KEYCHAIN_NODE_DEBUG: keeping the node for 15 min"; sleep 900; }
    exit 1
  fi
  say "cluster DNS ready"
}

case "${1:-}" in
  check) check ;;
  prepare) prepare ;;
  up) [ $# -eq 2 ] || { echo "usage: node.sh up CONFIG_DIR" >&2; exit 2; }; up "$2" ;;
  import) [ $# -eq 3 ] || { echo "usage: node.sh import LAYOUT NAME:TAG" >&2; exit 2; }; import "$2" "$3" ;;
  down) down ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
