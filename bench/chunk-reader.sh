#!/usr/bin/env bash
# ns per SSE chunk of generation-service's ChunkReader, for each git revision given (default: HEAD), in one run
# on this machine. ChunkReader depends on the JDK only, so each revision's file is compiled alone with
# bench/ChunkReaderBench.java. Usage: bench/chunk-reader.sh [REV...]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d "${TMPDIR:-/tmp}/thoughtline-chunk.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SRC=generation-service/src/main/java/dev/thoughtline/generation/client/ChunkReader.java
for rev in "${@:-HEAD}"; do
  mkdir -p "$WORK/$rev/src" "$WORK/$rev/classes"
  git show "$rev:$SRC" > "$WORK/$rev/src/ChunkReader.java"
  javac -d "$WORK/$rev/classes" "$WORK/$rev/src/ChunkReader.java" bench/ChunkReaderBench.java
  printf '%s: ' "$(git log -1 --format='%h %cs' "$rev")"
  java -cp "$WORK/$rev/classes" dev.thoughtline.generation.client.ChunkReaderBench
done
