#!/usr/bin/env bash
# Bench of generation-service: builds, starts two embedded PostgreSQLs (one per service, as in Kubernetes),
# question-service (it serves the input datasets), teacher-sim and generation-service (heap capped at 512 MB),
# then runs bench/GenerationBench.java: the overhead against wrk's raw rate on a zero-latency teacher-sim, and
# 4,096 requests in flight against a teacher-sim with a latency profile. Installs wrk from Debian if missing.
# Usage: bench/generation-service.sh [SAMPLES=20000] [RUNS=3] [CONNECTIONS=64] [TARGET=4096]
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES="${1:-20000}"
RUNS="${2:-3}"
CONNECTIONS="${3:-64}"
TARGET="${4:-4096}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-bench.XXXXXX")"
PIDS=()
stop() {
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "logs: $WORK"
}
trap stop EXIT INT TERM

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk >/dev/null; }
./mvnw -q -B -DskipTests install -pl question-service,generation-service,tools/teacher-sim -am
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null

postgres() { # name: starts a PostgreSQL in the background (its PID is kept for stop)
  java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" dev.thoughtline.testing.LocalPostgres >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}
url() { # name -> prints the reactive URL once the server is ready
  for _ in $(seq 1 120); do grep -q '^READY ' "$WORK/$1.log" 2>/dev/null && break; sleep 0.5; done
  sed -n 's/^READY //p' "$WORK/$1.log"
}
await() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "$1 did not answer"; exit 1; }

# not in a command substitution: a PID recorded in a subshell would never be stopped
postgres pg-questions
postgres pg-generation
Q_DB="$(url pg-questions)"
G_DB="$(url pg-generation)"
G_PG_PORT="$(echo "$G_DB" | sed -E 's#.*:([0-9]+)/.*#\1#')"

QUARKUS_DATASOURCE_REACTIVE_URL="$Q_DB" QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres \
QUARKUS_HTTP_PORT=18081 THOUGHTLINE_PUBLIC_URL=http://localhost:18081 \
  java -jar question-service/target/quarkus-app/quarkus-run.jar >"$WORK/question-service.log" 2>&1 &
PIDS+=($!)
QUARKUS_DATASOURCE_REACTIVE_URL="$G_DB" QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres \
QUARKUS_HTTP_PORT=18082 THOUGHTLINE_PUBLIC_URL=http://localhost:18082 \
THOUGHTLINE_OUTBOUND_SUITE=http://localhost:18081 THOUGHTLINE_OUTBOUND_ALLOW=http://localhost:18000,http://localhost:18001 \
  java -Xmx512m ${GEN_JAVA_OPTS:-} -jar generation-service/target/quarkus-app/quarkus-run.jar >"$WORK/generation-service.log" 2>&1 &
GEN_PID=$!
PIDS+=($GEN_PID)

java -jar tools/teacher-sim/target/teacher-sim-runner.jar --port=18000 --tokens-mean=100 --tokens-sd=20 \
  --max-num-seqs=100000 --max-waiting=100000 >"$WORK/teacher-sim-fast.log" 2>&1 &
SIM_PID=$!
PIDS+=($SIM_PID)
await http://localhost:18081/q/health/ready
await http://localhost:18082/q/health/ready
await http://localhost:18000/health

java bench/GenerationBench.java overhead http://localhost:18082 http://localhost:18081 http://localhost:18000 "$GEN_PID" "$G_PG_PORT" \
  "$SAMPLES" "$RUNS" "$CONNECTIONS" "$SIM_PID"
kill "$SIM_PID"
if [ "$TARGET" -le 0 ]; then
  exit 0
fi

java -jar tools/teacher-sim/target/teacher-sim-runner.jar --port=18001 --ttft-ms=500 --itl-ms=20 --tokens-mean=1000 --tokens-sd=0 \
  --max-num-seqs=100000 --max-waiting=100000 >"$WORK/teacher-sim-slow.log" 2>&1 &
PIDS+=($!)
await http://localhost:18001/health
java bench/GenerationBench.java concurrency http://localhost:18082 http://localhost:18081 http://localhost:18001 "$GEN_PID" "$G_PG_PORT" "$TARGET"
