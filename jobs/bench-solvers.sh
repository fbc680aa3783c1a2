#!/usr/bin/env bash
# Full-batch solver figures: sparknn lbfgs vs MLlib MultilayerPerceptronClassifier, OWL-QN sparsity.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.SolverBenchMain "$@"
