#!/usr/bin/env bash
# Single-thread convolution benchmark: Conv2d forward+backward GFLOP/s of a VGG-style layer vs sgemm.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.ConvBenchMain "$@"
