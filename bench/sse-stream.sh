#!/usr/bin/env bash
# ns per SSE chunk of generation-service's SseCompletion against the line-first loop it replaced, in one run on this
# machine (bench/SseStreamBench.java says how), for each git revision given (from 903b9bd on; none: the working
# tree). Compiles that revision's client classes with Vert.x on the class path.
# Usage: bench/sse-stream.sh [REV...]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-sse.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
./mvnw -q -B -pl generation-service dependency:build-classpath -Dmdep.includeScope=compile -Dmdep.outputFile="$WORK/classpath.txt" >/dev/null
CP="$(cat "$WORK/classpath.txt")"
SRC=generation-service/src/main/java/dev/thoughtline/generation/client
FILES=(ChunkReader.java SseCompletion.java Completion.java)
for rev in "${@:-working-tree}"; do
  mkdir -p "$WORK/$rev/src" "$WORK/$rev/classes"
  for f in "${FILES[@]}"; do
    if [ "$rev" = working-tree ]; then cp "$SRC/$f" "$WORK/$rev/src/"; else git show "$rev:$SRC/$f" > "$WORK/$rev/src/$f"; fi
  done
  javac -d "$WORK/$rev/classes" -cp "$CP" "$WORK/$rev/src/"*.java bench/SseStreamBench.java
  echo "== $([ "$rev" = working-tree ] && echo "working tree" || git log -1 --format='%h %cs' "$rev")"
  java -cp "$WORK/$rev/classes:$CP" dev.thoughtline.generation.client.SseStreamBench
done
