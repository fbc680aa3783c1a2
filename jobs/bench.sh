#!/usr/bin/env bash
# Single-thread compute benchmark: sgemm GFLOP/s vs Dense forward+backward GFLOP/s.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.BenchMain "$@"
