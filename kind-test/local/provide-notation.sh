#!/usr/bin/env bash
# The real notation CLI (Notary Project), 1.3.2: its Go module is not served here, so the static
# binary comes from Debian sid's package, checked against the SHA-256 the sid archive publishes for
# it and cached. The Notation signature tests sign with it and verify the operator's own
# signatures with it. Prints its path last.
set -euo pipefail
VERSION=1.3.2-2
SHA256=f99975ecb56869b85290b30322167d1392e7f7d4eebb40a8bec4386bb95a6789
URL="http://deb.debian.org/debian/pool/main/g/golang-github-notaryproject-notation/notation_${VERSION}_amd64.deb"
OUT="${HOME}/.cache/keychain-operator/notation/${VERSION}"
if [ -x "$OUT/notation" ]; then echo "$OUT/notation"; exit 0; fi
[ "$(uname -m)" = x86_64 ] || { echo "[notation] only the amd64 package is pinned" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "[notation] downloading $URL" >&2
curl -fsSL --retry 3 -o "$work/notation.deb" "$URL"
echo "$SHA256  $work/notation.deb" | sha256sum -c --quiet - >&2
(cd "$work" && ar x notation.deb && mkdir root && tar -xf data.tar.* -C root)
mkdir -p "$OUT"
install -m 0755 "$work/root/usr/bin/notation" "$OUT/notation"
"$OUT/notation" version >&2
echo "$OUT/notation"
