#!/usr/bin/env bash
# Stops the harness broker started by kafka-up.sh: SIGTERM (a controlled
# shutdown that flushes logs), up to KAFKA_STOP_TIMEOUT seconds, then
# SIGKILL. Wipes the run directory (data, config, logs) unless --keep-data,
# which kafka-restart.sh uses to bring the same cluster back.
set -euo pipefail
. "$(dirname "$0")/env.sh"

keep=0
[ "${1:-}" = "--keep-data" ] && keep=1
timeout="${KAFKA_STOP_TIMEOUT:-30}"

if pid="$(kafka_pid)"; then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((timeout * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka: broker (pid $pid) still running after ${timeout}s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  echo "kafka: stopped broker (pid $pid)" >&2
fi
rm -f "$KAFKA_PID_FILE"
if [ "$keep" = 0 ]; then
  rm -rf "$KAFKA_RUN_DIR"
fi
