#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft, combined broker+controller) on
# loopback for triage's integration tests, without Docker:
#   1. checks for Java 17+ and Maven,
#   2. copies the pinned Kafka jars from Maven Central into a cache dir
#      (once; later starts need no network),
#   3. formats the storage with a random cluster id and the SCRAM test user
#      (unless the run dir already holds formatted data, as after
#      kafka-restart.sh),
#   4. starts kafka.Kafka in the background and waits until it answers
#      metadata requests on the PLAINTEXT listener and accepts connections
#      on the SASL_PLAINTEXT (SCRAM) one, then prints the PLAINTEXT
#      bootstrap address on stdout (the SASL address goes to stderr).
# Stop it with kafka-down.sh. Settings: see env.sh.
set -euo pipefail
. "$(dirname "$0")/env.sh"

if pid="$(kafka_pid)"; then
  echo "kafka: already running (pid $pid) on $KAFKA_BOOTSTRAP" >&2
  echo "$KAFKA_BOOTSTRAP"
  exit 0
fi

# --- prerequisites -------------------------------------------------------
command -v java >/dev/null 2>&1 ||
  kafka_die "java not found: install a Java 17+ runtime (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless)"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)"
java_major="${java_major#1.}"
if [ -z "$java_major" ] || [ "${java_major%%.*}" -lt 17 ]; then
  kafka_die "Java ${java_major:-unknown} found, Kafka $KAFKA_VERSION needs Java 17+: install openjdk-17-jre-headless (or newer) and put it first on PATH"
fi
command -v go >/dev/null 2>&1 || kafka_die "go not found: the readiness check is a Go program (install Go, see README)"

# --- jars ----------------------------------------------------------------
if [ ! -f "$KAFKA_LIBS/.complete" ]; then
  command -v mvn >/dev/null 2>&1 ||
    kafka_die "mvn not found: install Maven 3.6+ (Debian/Ubuntu: apt-get install -y maven) to download Kafka $KAFKA_VERSION from Maven Central"
  work="$TRIAGE_KAFKA_CACHE/kafka-$KAFKA_VERSION/build"
  rm -rf "$KAFKA_LIBS" "$work"
  mkdir -p "$work"
  # Build in the cache dir, not the repo, so no target/ appears in the tree.
  cp "$KAFKA_SCRIPT_DIR/pom.xml" "$work/pom.xml"
  echo "kafka: downloading Apache Kafka $KAFKA_VERSION jars into $KAFKA_LIBS (once)" >&2
  if ! (cd "$work" && mvn -B -q -Dkafka.version="$KAFKA_VERSION" -Dkafka.libs="$KAFKA_LIBS" package) >"$work/mvn.log" 2>&1; then
    tail -30 "$work/mvn.log" >&2
    kafka_die "downloading Kafka $KAFKA_VERSION with Maven failed (full log: $work/mvn.log)"
  fi
  [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] || kafka_die "Maven finished but $KAFKA_LIBS has no kafka_2.13-$KAFKA_VERSION.jar"
  touch "$KAFKA_LIBS/.complete"
fi

# --- config and storage --------------------------------------------------
mkdir -p "$KAFKA_RUN_DIR"
sed -e "s|@PORT@|$KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@SASL_PORT@|$KAFKA_SASL_PORT|g" \
    -e "s|@LOG_DIR@|$KAFKA_DATA_DIR|g" \
    "$KAFKA_SCRIPT_DIR/server.properties.in" "$KAFKA_SCRIPT_DIR/sasl.properties.in" \
    >"$KAFKA_RUN_DIR/server.properties"
cp "$KAFKA_SCRIPT_DIR/log4j2.properties" "$KAFKA_RUN_DIR/log4j2.properties"

java_opts=(-cp "$KAFKA_LIBS/*" -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$KAFKA_RUN_DIR/log4j2.properties"
  -Dkafka.logs.file="$KAFKA_LOG_FILE")

if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  # A KRaft cluster id is 16 random bytes, base64url without padding.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  # SCRAM credentials live in the KRaft metadata log; --add-scram writes
  # them into the bootstrap snapshot, so they exist before the first client
  # connects (no kafka-configs call against a running broker).
  scram="name=$KAFKA_SASL_USER,password=\"$KAFKA_SASL_PASSWORD\""
  if ! java -Xmx256m "${java_opts[@]}" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$KAFKA_RUN_DIR/server.properties" \
      --add-scram "SCRAM-SHA-256=[$scram]" --add-scram "SCRAM-SHA-512=[$scram]" \
      >"$KAFKA_RUN_DIR/format.log" 2>&1; then
    cat "$KAFKA_RUN_DIR/format.log" >&2
    kafka_die "formatting the storage in $KAFKA_DATA_DIR failed"
  fi
fi

# --- start and wait ------------------------------------------------------
# setsid detaches the broker from make's process group so Ctrl-C on a test
# run does not kill it mid-write; kafka-down.sh stops it by pid.
# shellcheck disable=SC2086
setsid java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${java_opts[@]}" \
  kafka.Kafka "$KAFKA_RUN_DIR/server.properties" \
  >"$KAFKA_RUN_DIR/stdout.log" 2>&1 </dev/null &
echo $! >"$KAFKA_PID_FILE"

if ! (cd "$KAFKA_REPO_ROOT" && go run ./integration/cmd/kwait \
      -brokers "$KAFKA_BOOTSTRAP" -timeout "$KAFKA_START_TIMEOUT" -pid "$(cat "$KAFKA_PID_FILE")"); then
  echo "kafka: last lines of $KAFKA_LOG_FILE:" >&2
  tail -25 "$KAFKA_LOG_FILE" >&2 2>/dev/null || true
  tail -10 "$KAFKA_RUN_DIR/stdout.log" >&2 2>/dev/null || true
  "$KAFKA_SCRIPT_DIR/kafka-down.sh" --keep-data >/dev/null 2>&1 || true
  kafka_die "broker did not become ready on $KAFKA_BOOTSTRAP (run dir kept: $KAFKA_RUN_DIR)"
fi
# All listeners open together once the broker has caught up with the
# metadata (SCRAM users included), so a TCP check is enough here; the tests
# authenticate for real.
sasl_ready=0
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_SASL_PORT") 2>/dev/null; then
    sasl_ready=1
    break
  fi
  sleep 0.1
done
if [ "$sasl_ready" = 0 ]; then
  tail -25 "$KAFKA_LOG_FILE" >&2 2>/dev/null || true
  "$KAFKA_SCRIPT_DIR/kafka-down.sh" --keep-data >/dev/null 2>&1 || true
  kafka_die "SASL listener $KAFKA_SASL_BOOTSTRAP did not open (run dir kept: $KAFKA_RUN_DIR)"
fi
echo "kafka: SASL_PLAINTEXT (SCRAM-SHA-256/512) on $KAFKA_SASL_BOOTSTRAP, test user $KAFKA_SASL_USER" >&2
echo "kafka: Apache Kafka $KAFKA_VERSION ready (pid $(cat "$KAFKA_PID_FILE"), logs $KAFKA_LOG_FILE)" >&2
echo "$KAFKA_BOOTSTRAP"
