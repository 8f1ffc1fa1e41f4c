#!/usr/bin/env bash
# Installs what the tests and the local control plane need and a fresh Debian machine lacks:
# the real components the tests start (OCI registry, notary, SoftHSM2, skopeo, etcd), the local
# node's runtime (containerd, runc, CNI plugins, iptables, iproute2, conntrack; a static busybox
# and a C compiler for its images), a Go toolchain for building the Kubernetes binaries, and a JDK
# 17. Idempotent and quiet when all is present.
set -euo pipefail
say() { echo "[prerequisites] $*" >&2; }

declare -A need=(
  [/usr/bin/docker-registry]=docker-registry
  [/usr/bin/notary]=notary
  [/usr/bin/notary-server]=notary
  [/usr/bin/softhsm2-util]=softhsm2
  [/usr/bin/skopeo]=skopeo
  [/usr/bin/etcd]=etcd-server
  [/usr/bin/curl]=curl
  [/usr/bin/python3]=python3-minimal
  [/usr/bin/containerd]=containerd
  [/usr/sbin/runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [/usr/sbin/iptables]=iptables
  [/usr/sbin/ip]=iproute2
  [/usr/sbin/conntrack]=conntrack
  [/bin/busybox]=busybox-static
  [/usr/bin/gcc]=gcc
  [/usr/include/stdio.h]=libc6-dev
  [/usr/bin/ar]=binutils
  [/usr/bin/xz]=xz-utils
)
command -v javac >/dev/null || need[javac]=openjdk-17-jdk-headless
command -v go >/dev/null || need[go]=golang-go

missing=()
for path in "${!need[@]}"; do
  if [[ "$path" == /* ]]; then [ -e "$path" ] || missing+=("${need[$path]}")
  else missing+=("${need[$path]}"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "missing Debian packages: ${missing[*]} (run as root or install them)"; exit 1; }
  sudo="sudo"
fi
say "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "installed"
