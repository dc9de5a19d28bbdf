#!/usr/bin/env bash
# Restarts the harness broker keeping its data: the same cluster comes back
# with every topic, committed offset and transaction state. The integration
# tests call it (via TRIAGE_KAFKA_RESTART_CMD) in the broker-restart test.
set -euo pipefail
dir="$(dirname "$0")"
"$dir/kafka-down.sh" --keep-data
exec "$dir/kafka-up.sh"
