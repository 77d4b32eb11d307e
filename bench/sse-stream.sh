#!/usr/bin/env bash
# ns per SSE chunk of generation-service's SseCompletion against the line-first loop it replaced, in one run on this
# machine (bench/SseStreamBench.java says how). Compiles the working tree's client classes with Vert.x on the class path.
# Usage: bench/sse-stream.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-sse.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
./mvnw -q -B -pl generation-service dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
SRC=generation-service/src/main/java/dev/thoughtline/generation/client
javac -d "$WORK/classes" -cp "$(cat "$WORK/classpath.txt")" "$SRC/ChunkReader.java" "$SRC/SseCompletion.java" "$SRC/Completion.java" \
  bench/SseStreamBench.java
java -cp "$WORK/classes:$(cat "$WORK/classpath.txt")" dev.thoughtline.generation.client.SseStreamBench
