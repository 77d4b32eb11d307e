#!/usr/bin/env bash
# Final-answer extraction on adversarial responses of 1 MiB (and a degenerate one of 280 KB), per extractor:
# libs/answer-check's Extractor.extract and AnswerChecker.check, generation-service's FinalAnswer.of; then the
# answer-check command line on three lines of 560 KB. Prints the command, the machine, the date, and the median and
# max ms of RUNS timed rounds after WARMUP rounds. KIB shrinks the inputs (1024: 1 MiB), for code that is quadratic.
# Usage: bench/extraction.sh [RUNS=9] [WARMUP=3] [KIB=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "command: bench/extraction.sh $*"
# the runnable jar carries answer-check with jackson-core (its command line reads JSON with it)
./mvnw -q -B -DskipTests -pl libs/answer-check -am package
./mvnw -q -B -pl generation-service -am compile
java -cp libs/answer-check/target/answer-check-runner.jar:generation-service/target/classes bench/ExtractionBench.java "${1:-9}" "${2:-3}" "${3:-1024}"
