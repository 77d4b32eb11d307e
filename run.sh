#!/usr/bin/env bash
# Runs Thoughtline locally with nothing installed but a JDK 17+: builds what is needed, starts an embedded
# PostgreSQL 16 and question-service on it, prints where the API is, and stops both on exit or Ctrl-C.
# PORT (default 8080) picks the HTTP port.
set -euo pipefail
cd "$(dirname "$0")"
PORT="${PORT:-8080}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline.XXXXXX")"
PG_PID=""
SVC_PID=""

stop() {
  trap - EXIT INT TERM
  [ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null && wait "$SVC_PID" 2>/dev/null || true
  [ -n "$PG_PID" ] && kill "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null || true
  echo "stopped; logs were in $WORK"
}
trap stop EXIT INT TERM

echo "building (the first build downloads dependencies and takes a few minutes)..."
./mvnw -q -B -DskipTests install -pl question-service -am
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null

java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" dev.thoughtline.testing.LocalPostgres >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 120); do
  grep -q '^READY ' "$WORK/postgres.log" 2>/dev/null && break
  kill -0 "$PG_PID" 2>/dev/null || { cat "$WORK/postgres.log"; exit 1; }
  sleep 0.5
done
DB_URL="$(sed -n 's/^READY //p' "$WORK/postgres.log")"
[ -n "$DB_URL" ] || { echo "PostgreSQL did not start:"; cat "$WORK/postgres.log"; exit 1; }
echo "PostgreSQL 16 (embedded): $DB_URL"

QUARKUS_DATASOURCE_REACTIVE_URL="$DB_URL" QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD=postgres \
QUARKUS_HTTP_PORT="$PORT" THOUGHTLINE_PUBLIC_URL="http://localhost:$PORT" \
  java -jar question-service/target/quarkus-app/quarkus-run.jar >"$WORK/question-service.log" 2>&1 &
SVC_PID=$!
for _ in $(seq 1 120); do
  curl -sf "http://localhost:$PORT/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$SVC_PID" 2>/dev/null || { tail -50 "$WORK/question-service.log"; exit 1; }
  sleep 0.5
done

cat <<TXT

question-service is running.
  API:        http://localhost:$PORT/api/v1   (e.g. curl http://localhost:$PORT/api/v1/sources)
  OpenAPI:    http://localhost:$PORT/q/openapi
  Swagger UI: http://localhost:$PORT/q/swagger-ui
  Health:     http://localhost:$PORT/q/health   Metrics: http://localhost:$PORT/q/metrics
  Logs:       $WORK
Press Ctrl-C to stop.
TXT
wait "$SVC_PID"
