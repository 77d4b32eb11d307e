#!/usr/bin/env bash
# The demo: the whole OpenThoughts recipe on this machine with nothing installed but a JDK 17+.
# Builds the suite, starts an embedded PostgreSQL 16 (a database per service), teacher-sim and the four services,
# generates procedural math problems (and a benchmark, ten of whose problems are planted among them), runs
# recipes/openthoughts.yaml with the thoughtline CLI (import, mix, exact dedup, decontamination, response-length
# filter, 16 samples per question, export, eval), prints the summary and the exported file, and stops everything
# on exit or Ctrl-C.
#
# Environment:
#   TEACHER_BASE_URL, TEACHER_MODEL, TEACHER_API_KEY   a real OpenAI-compatible endpoint instead of teacher-sim
#   QUESTIONS (600), MIX_SIZE (400), SAMPLES_PER_QUESTION (16), BENCHMARK_SIZE (40), MAX_TOKENS (32768)
#   BASE_PORT (8081: services on 8081-8084, teacher-sim on 8090)   KEEP_RUNNING=1 keeps the services up afterwards
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(pwd)"
BASE_PORT="${BASE_PORT:-8081}"
Q_PORT=$BASE_PORT; G_PORT=$((BASE_PORT + 1)); F_PORT=$((BASE_PORT + 2)); E_PORT=$((BASE_PORT + 3)); SIM_PORT=$((BASE_PORT + 9))
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline.XXXXXX")"
OUT="$ROOT/target/demo"
PIDS=()

stop() {
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[$i]}" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  echo "stopped; logs are in $WORK"
}
trap stop EXIT INT TERM

ok() { # ok PORT PATH: whether http://localhost:PORT/PATH answers 200 (plain bash: no curl needed)
  local status
  exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
  read -r _ status _ <&3 || status=""
  exec 3<&- 3>&-
  [ "$status" = "200" ]
}

await() { # await NAME PORT PATH PID LOG
  for _ in $(seq 1 240); do
    ok "$2" "$3" && return 0
    kill -0 "$4" 2>/dev/null || { echo "$1 exited while starting:"; tail -40 "$5"; exit 1; }
    sleep 0.5
  done
  echo "$1 did not start in 2 minutes:"; tail -40 "$5"; exit 1
}

echo "building (the first build downloads dependencies and takes several minutes)..."
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null

java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" dev.thoughtline.testing.LocalPostgres \
  questions generation filters evals >"$WORK/postgres.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  grep -q '^READY ' "$WORK/postgres.log" 2>/dev/null && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$WORK/postgres.log"; exit 1; }
  sleep 0.5
done
DB="$(sed -n 's/^READY //p' "$WORK/postgres.log")"
[ -n "$DB" ] || { echo "PostgreSQL did not start:"; cat "$WORK/postgres.log"; exit 1; }
DB="${DB%/postgres}"
echo "PostgreSQL 16 (embedded): $DB"

if [ -z "${TEACHER_BASE_URL:-}" ]; then
  java -Xmx256m -jar tools/teacher-sim/target/teacher-sim-runner.jar --port="$SIM_PORT" --tokens-mean=300 --tokens-sd=80 \
    >"$WORK/teacher-sim.log" 2>&1 &
  PIDS+=($!)
  await teacher-sim "$SIM_PORT" /health "${PIDS[-1]}" "$WORK/teacher-sim.log"
  export TEACHER_BASE_URL="http://localhost:$SIM_PORT/v1" TEACHER_MODEL="teacher-sim"
  echo "teacher: teacher-sim at $TEACHER_BASE_URL"
else
  echo "teacher: $TEACHER_BASE_URL (${TEACHER_MODEL:?set TEACHER_MODEL to the model name the endpoint serves})"
fi

service() { # service NAME DIR PORT DATABASE [ENV...]
  local name=$1 dir=$2 port=$3 db=$4; shift 4
  env QUARKUS_HTTP_PORT="$port" QUARKUS_DATASOURCE_REACTIVE_URL="$DB/$db" QUARKUS_DATASOURCE_USERNAME=postgres \
    QUARKUS_DATASOURCE_PASSWORD=postgres THOUGHTLINE_PUBLIC_URL="http://localhost:$port" "$@" \
    java -Xmx512m -jar "$dir/target/quarkus-app/quarkus-run.jar" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
service question-service question-service "$Q_PORT" questions
service generation-service generation-service "$G_PORT" generation TEACHER_API_KEY="${TEACHER_API_KEY:-}"
service filter-service filter-service "$F_PORT" filters THOUGHTLINE_GENERATION_URL="http://localhost:$G_PORT"
service eval-service eval-service "$E_PORT" evals THOUGHTLINE_GENERATION_URL="http://localhost:$G_PORT"
n=${#PIDS[@]}
await question-service "$Q_PORT" /q/health/ready "${PIDS[$((n - 4))]}" "$WORK/question-service.log"
await generation-service "$G_PORT" /q/health/ready "${PIDS[$((n - 3))]}" "$WORK/generation-service.log"
await filter-service "$F_PORT" /q/health/ready "${PIDS[$((n - 2))]}" "$WORK/filter-service.log"
await eval-service "$E_PORT" /q/health/ready "${PIDS[$((n - 1))]}" "$WORK/eval-service.log"
echo "services: question :$Q_PORT, generation :$G_PORT, filter :$F_PORT, eval :$E_PORT (OpenAPI at /q/openapi)"

export THOUGHTLINE_QUESTION_URL="http://localhost:$Q_PORT" THOUGHTLINE_GENERATION_URL="http://localhost:$G_PORT" \
  THOUGHTLINE_FILTER_URL="http://localhost:$F_PORT" THOUGHTLINE_EVAL_URL="http://localhost:$E_PORT"
thoughtline() { java -jar "$ROOT/tools/cli/target/quarkus-app/quarkus-run.jar" "$@"; }

mkdir -p "$OUT"
thoughtline questions generate --count "${QUESTIONS:-600}" --seed 1 --prefix train --out "$OUT/questions.ndjson"
thoughtline questions generate --count "${BENCHMARK_SIZE:-40}" --seed 99 --prefix bench --out "$OUT/benchmark.ndjson"
# contamination to catch: ten of the benchmark's problems among the training questions
head -n 10 "$OUT/benchmark.ndjson" >>"$OUT/questions.ndjson"

RECIPE_NAME="demo" QUESTIONS_FILE="$OUT/questions.ndjson" BENCHMARK_FILE="$OUT/benchmark.ndjson" \
  EXPORT_FILE="$OUT/openthoughts.sharegpt.jsonl" BENCHMARK_NAME="demo-bench" TEACHER_NAME="teacher" MODEL_TEACHER="teacher" \
  thoughtline recipe run recipes/openthoughts.yaml

if [ "${KEEP_RUNNING:-0}" = "1" ]; then
  echo "the services keep running (THOUGHTLINE_*_URL as above); Ctrl-C stops them"
  wait "${PIDS[1]}"
fi
