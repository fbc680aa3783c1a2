# Shared by the job scripts. With SPARK_HOME set, jobs go through spark-submit with the
# application jar (Spark itself comes from the installation); without it they run the same entry
# point in one JVM with an embedded Spark (local[*] unless the configuration says otherwise).
# Extra spark-submit options can be given in SPARKNN_SUBMIT_ARGS (e.g. "--master yarn --deploy-mode cluster").
# -XX:CICompilerCount=4: on a 2-core machine the JVM's default is 2 compiler threads; with both
# cores running workers, the Vector API kernels then run uncompiled (allocating per vector
# operation) for longer. Four let the compiler finish them sooner: on 2026-11-29 the bundled job's
# training took 5.5-7.1 s (median 6.2, ten runs) against 5.6-7.4 s (median 6.8, nine runs), and
# 4.4-5.8 s against 4.3-6.6 s with --single-jvm.
SPARKNN_JVM_FLAGS="-Xmx4g -XX:+UseParallelGC -XX:CICompilerCount=4 --add-modules jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true -Djava.util.logging.config.file=conf/logging.properties -Dlog4j2.configurationFile=conf/log4j2.properties"
APP_JAR="target/sparknn-0.1.0-SNAPSHOT-app.jar"

# Builds classes, the runtime classpath file and the application jar when missing or older than the sources.
ensure_built() {
  local stamp=target/runtime-classpath.txt
  if [ ! -f "$stamp" ] || [ ! -f "$APP_JAR" ] || [ -n "$(find src pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "building sparknn (mvn package -DskipTests) ..." >&2
    mvn -B -q -DskipTests package >&2
    touch "$stamp"
  fi
}

# target/runtime-classpath.txt holds the compile and provided scopes: Spark, Scala, Hadoop and the other
# libraries a Spark installation provides are in it, which the embedded Spark needs.
app_classpath() {
  echo "target/classes:$(cat target/runtime-classpath.txt)"
}

# Embedded Spark binds to loopback (a cluster driver must not: spark-submit runs leave it unset).
embedded_env() {
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
}

# Makes the values of path options absolute against the caller's directory, since the scripts run
# from the project directory: prints the rewritten arguments NUL-separated.
absolute_args() {
  local caller=$1
  shift
  local expect_path=0
  for a in "$@"; do
    if [ "$expect_path" = 1 ] && [[ "$a" != /* ]] && [[ "$a" != *://* ]]; then
      a="$caller/$a"
    fi
    expect_path=0
    case "$a" in
      --conf|--out|--model|--data) expect_path=1 ;;
    esac
    printf '%s\0' "$a"
  done
}

# run_job <caller directory> <main class> [args...]
run_job() {
  local caller=$1
  local main=$2
  shift 2
  local args=()
  while IFS= read -r -d '' a; do args+=("$a"); done < <(absolute_args "$caller" "$@")
  set -- ${args[@]+"${args[@]}"}
  ensure_built
  if [ -n "${SPARK_HOME:-}" ]; then
    # shellcheck disable=SC2086
    exec "$SPARK_HOME/bin/spark-submit" --class "$main" \
      --conf spark.task.maxDirectResultSize=100m --conf spark.broadcast.compress=false \
      --conf spark.broadcast.checksum=false \
      --conf "spark.executor.extraJavaOptions=-XX:+UseParallelGC --add-modules jdk.incubator.vector" \
      --driver-java-options "--add-modules jdk.incubator.vector -Dlog4j2.configurationFile=conf/log4j2.properties" \
      ${SPARKNN_SUBMIT_ARGS:-} "$APP_JAR" "$@"
  fi
  embedded_env
  # shellcheck disable=SC2086
  exec java $SPARKNN_JVM_FLAGS -cp "$(app_classpath)" "$main" "$@"
}
