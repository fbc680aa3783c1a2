#!/usr/bin/env bash
# Distributed step benchmark on an embedded local[2] Spark (see SparkBenchMain).
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.SparkBenchMain "$@"
