#!/usr/bin/env bash
# Near-dedup of COUNT generated questions (~60 words, 10% planted near duplicates) with filter-service's
# near-dedup, end to end from an NDJSON file: reading, parsing, MinHash, LSH, Indel confirmation. Prints the
# machine, the date, docs/s per run and their median, recall and precision of the planted pairs.
# Usage: bench/near-dedup.sh [COUNT=1000000] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests install -pl filter-service -am
java -Xmx4g -cp filter-service/target/classes bench/NearDedupBench.java "${1:-1000000}" "${2:-3}"
