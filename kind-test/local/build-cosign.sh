#!/usr/bin/env bash
# The real cosign CLI, built from the Go module proxy at a pinned version. The signer-admission
# tests sign with it and verify the operator's own signatures with it. Prints its path last.
set -euo pipefail
COSIGN_VERSION="${COSIGN_VERSION:-2.5.0}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-install.sh" cosign "$COSIGN_VERSION" \
  github.com/sigstore/cosign/v2/cmd/cosign \
  "-X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION"
