#!/usr/bin/env bash
# Throughput of libs/answer-check on a mixed set (the project's equivalence table, bare and inside long responses,
# and MATH500's reference solutions when ../shared/data is present). Prints the machine, the date and the figures.
# Usage: bench/answer-check.sh [THREADS=2] [ROUNDS=5] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests install -pl libs/answer-check
java -cp libs/answer-check/target/classes bench/AnswerCheckBench.java "${1:-2}" "${2:-5}" "${3:-5}"
