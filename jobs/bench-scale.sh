#!/usr/bin/env bash
# Data at scale. Dense (ScaleBenchMain): N generated rows per size, one epoch of sparknn's
# estimator and of MLlib's MultilayerPerceptronClassifier, scoring rows/s of both, peak heap.
# Defaults take a few minutes on 2 cores; e.g. --rows 1000000,1500000 shows shards spilling to disk.
# Sparse (--sparse first, then SparseBenchMain's options): 2^18-feature click-shaped rows, sparknn
# on both exchanges against MLlib's LogisticRegression.
# SPARKNN_HEAP sets the JVM heap (default 4g).
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
main=org.sparknn.bench.ScaleBenchMain
if [[ "${1:-}" == "--sparse" ]]; then
  shift
  main=org.sparknn.bench.SparseBenchMain
fi
flags="${SPARKNN_JVM_FLAGS/-Xmx4g/-Xmx${SPARKNN_HEAP:-4g}}"
# shellcheck disable=SC2086
exec java $flags -cp "$(app_classpath)" "$main" "$@"
