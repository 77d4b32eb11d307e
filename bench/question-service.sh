#!/usr/bin/env bash
# Import and export bench of question-service: starts it on an embedded PostgreSQL (through ../run.sh),
# streams COUNT generated questions of ~300 characters into one source, mixes them all into one dataset and
# reads it back through the contract, RUNS times. Prints the machine, the date and the figures.
# Usage: bench/question-service.sh [COUNT=1000000] [RUNS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-1000000}"
RUNS="${2:-2}"
PORT="${BENCH_PORT:-18080}"
LOG="$(mktemp)"
PORT="$PORT" ./run.sh >"$LOG" 2>&1 &
RUN_PID=$!
trap 'kill $RUN_PID 2>/dev/null; wait $RUN_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 600); do
  grep -q "question-service is running" "$LOG" && break
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 1
done
grep -q "question-service is running" "$LOG" || { cat "$LOG"; exit 1; }
java bench/ImportExportBench.java "http://localhost:$PORT" "$COUNT" "$RUNS"
