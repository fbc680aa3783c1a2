# Shared by the job scripts: build on demand and the JVM flags the project needs on Java 17.
SPARKNN_JVM_FLAGS="-Xmx4g -XX:+UseParallelGC --add-modules jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true -Djava.util.logging.config.file=conf/logging.properties -Dlog4j2.configurationFile=conf/log4j2.properties"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# Builds target/classes and the runtime classpath file when missing or older than the sources.
ensure_built() {
  local stamp=target/runtime-classpath.txt
  if [ ! -f "$stamp" ] || [ -n "$(find src pom.xml -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "building sparknn (mvn package -DskipTests) ..." >&2
    mvn -B -q -DskipTests package >&2
    touch "$stamp"
  fi
}

app_classpath() {
  echo "target/classes:$(cat target/runtime-classpath.txt)"
}
