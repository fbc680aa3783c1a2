#!/usr/bin/env bash
# Trains the bundled model on the bundled data (conf/mnist-mlp.json, data/mnist) in one JVM.
# Builds the project first when needed. Extra arguments go to the entry point, e.g.
#   jobs/train.sh epochs=5 learningRate=0.002 --out runs/try1
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.cli.TrainMain "$@"
