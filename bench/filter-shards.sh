#!/usr/bin/env bash
# Bench of sharded filter runs: the recipe's question filters (exact-dedup, near-dedup, decontaminate, length keeping the
# longest 90%) over ITEMS generated questions of about 60 words (10% near copies, 0.1% exact copies, one benchmark problem
# every 25,000), worked in shards (the default size) by 1 and then 2 filter-service replicas with a heap of 1 GB each on
# one embedded PostgreSQL. Builds filter-service, then runs bench/ShardBench.java, which serves the questions page by
# page (made when asked), and prints per replica count the run's seconds and items/s, each replica's heap peak,
# PostgreSQL's disk per million items, and recall and precision of the planted near copies and benchmark problems.
# On a 2-core machine the second replica shows that the work spreads, not a speed-up: both share the cores with
# PostgreSQL and the generator.
# Usage: bench/filter-shards.sh [ITEMS=1000000] [REPLICAS...=1 2]
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS="${1:-1000000}"
shift || true
REPLICAS=("${@:-1 2}")
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-shards.XXXXXX")"
./mvnw -q -B -DskipTests install -pl filter-service,libs/testing -am
./mvnw -q -B -pl libs/testing dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
echo "command: bench/filter-shards.sh $ITEMS ${REPLICAS[*]}; logs in $WORK"
# shellcheck disable=SC2068
java -cp "libs/testing/target/classes:$(cat "$WORK/classpath.txt")" bench/ShardBench.java "$ITEMS" "$WORK" ${REPLICAS[@]}
