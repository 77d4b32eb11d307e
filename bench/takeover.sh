#!/usr/bin/env bash
# Bench of run ownership (WorkLeases): how long after its owner dies another replica takes a filter run over
# (SIGKILL: the lease must run out), and how long after SIGTERM (the owner hands it over). Builds filter-service,
# generation-service and teacher-sim, then runs bench/TakeoverBench.java, which starts an embedded PostgreSQL,
# generation-service, teacher-sim and two filter-service replicas behind one address, and per run kills or stops the
# owner of a run whose LLM step is under way. The leases have their production defaults (15 s, a 2 s scan).
# Usage: bench/takeover.sh [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-takeover.XXXXXX")"
./mvnw -q -B -DskipTests install -pl filter-service,generation-service,tools/teacher-sim,libs/testing -am
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" bench/TakeoverBench.java "$RUNS" "$WORK"
