#!/usr/bin/env bash
# Trains Spark MLlib's MultilayerPerceptronClassifier and sparknn on the same data and Spark master
# in one run; prints wall time, test accuracy and time to reach MLlib's best accuracy for each.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.CompareMain "$@"
