#!/usr/bin/env bash
# PostgreSQL's CPU for generation-service's queue alone (bench/QueueSqlBench.java): an embedded PostgreSQL with
# the service's migrations; the previous release's path (a task row per sample) against this one's (ranges),
# alternating, each run on a fresh database.
# Usage: bench/queue-sql.sh [RUNS=5] [SAMPLES=20000] [CHUNK=29]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-queue-sql.XXXXXX")"
./mvnw -q -B -DskipTests install -pl libs/testing -am
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" bench/QueueSqlBench.java "${1:-5}" "${2:-20000}" "${3:-29}"
