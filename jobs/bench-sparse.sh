#!/usr/bin/env bash
# Sparse input at click-data shape (see SparseBenchMain): sparknn one epoch with the driver and
# all-reduce exchanges, and MLlib LogisticRegression, on 100k generated rows over 2^18 features.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
# shellcheck disable=SC2086
exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" org.sparknn.bench.SparseBenchMain "$@"
