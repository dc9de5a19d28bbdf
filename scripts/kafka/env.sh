# Shared settings for the Kafka test harness scripts; sourced, not run.
# Every value can be overridden from the environment.

# Pinned Apache Kafka release (keep in step with pom.xml and
# docker-compose.kafka.yml).
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
# SASL_PLAINTEXT listener with SCRAM-SHA-256 and SCRAM-SHA-512 for the
# secure-Kafka tests. The user and password are a fixed, throwaway test
# credential created at format time (loopback only, data wiped by
# kafka-down): not a secret, so they may be printed and passed around.
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}"
KAFKA_SASL_USER="${KAFKA_SASL_USER:-triage}"
KAFKA_SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-triage-test-secret}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Jars are cached outside the repository so a fresh clone, `git clean` or
# another checkout reuses them.
TRIAGE_KAFKA_CACHE="${TRIAGE_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/triage-kafka}"
KAFKA_LIBS="$TRIAGE_KAFKA_CACHE/kafka-$KAFKA_VERSION/libs"
# One run directory per port: config, pid file, broker log and data.
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-${TMPDIR:-/tmp}/triage-kafka-$KAFKA_PORT}"
KAFKA_PID_FILE="$KAFKA_RUN_DIR/kafka.pid"
KAFKA_LOG_FILE="$KAFKA_RUN_DIR/server.log"
KAFKA_DATA_DIR="$KAFKA_RUN_DIR/data"
KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
KAFKA_SASL_BOOTSTRAP="127.0.0.1:$KAFKA_SASL_PORT"
# How long kafka-up waits for the broker to answer metadata requests.
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120s}"

KAFKA_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_REPO_ROOT="$(cd "$KAFKA_SCRIPT_DIR/../.." && pwd)"

kafka_die() {
  echo "kafka: $*" >&2
  exit 1
}

# kafka_pid prints the broker's pid when it is running.
kafka_pid() {
  [ -f "$KAFKA_PID_FILE" ] || return 1
  local pid
  pid="$(cat "$KAFKA_PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}
