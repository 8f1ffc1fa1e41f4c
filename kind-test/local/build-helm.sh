#!/usr/bin/env bash
# The Helm CLI, built from the Go module proxy at a pinned version; CI lints the chart and renders
# it for the API server with it. Prints its path last.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-3.19.5}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-install.sh" helm "$HELM_VERSION" \
  helm.sh/helm/v3/cmd/helm "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
