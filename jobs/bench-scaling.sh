#!/usr/bin/env bash
# Scaling model of all-reduce training (see ScalingBenchMain): measures compute, update and link
# figures, checks the model against measured P = 1, 2 steps on local[2] and P = 2 on two executor
# JVMs (local-cluster), then predicts P = 4..64 on 10 and 25 Gbit/s networks.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib.sh
ensure_built
embedded_env
# local-cluster starts executor JVMs from a Spark home: one laid out from the build's classpath.
home=target/spark-home
mkdir -p "$home/jars"
echo "Spark for sparknn local-cluster runs" > "$home/RELEASE"
tr ':' '\n' < target/runtime-classpath.txt | grep '\.jar$' | while read -r jar; do
  ln -sf "$jar" "$home/jars/$(basename "$jar")"
done
executor_flags="-XX:+UseParallelGC ${SPARKNN_JVM_FLAGS/-Xmx4g /}"
# shellcheck disable=SC2086
SPARK_HOME="$PWD/$home" SPARK_SCALA_VERSION=2.13 exec java $SPARKNN_JVM_FLAGS \
  -Dspark.executor.extraClassPath="$PWD/target/classes" \
  "-Dspark.executor.extraJavaOptions=$executor_flags" \
  -cp "$(app_classpath)" org.sparknn.bench.ScalingBenchMain --local-cluster "$@"
