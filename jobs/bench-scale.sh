#!/usr/bin/env bash
# Data at scale (see ScaleBenchMain): N generated rows per size, one epoch of sparknn's estimator
# and of MLlib's MultilayerPerceptronClassifier, scoring rows/s of both models, peak heap.
# Defaults take a few minutes on 2 cores; e.g. --rows 1000000,1500000 shows shards spilling to disk.
# SPARKNN_HEAP sets the JVM heap (default 4g).
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
flags="${SPARKNN_JVM_FLAGS/-Xmx4g/-Xmx${SPARKNN_HEAP:-4g}}"
# shellcheck disable=SC2086
exec java $flags -cp "$(app_classpath)" org.sparknn.bench.ScaleBenchMain "$@"
