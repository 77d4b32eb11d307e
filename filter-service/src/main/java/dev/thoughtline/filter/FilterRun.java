package dev.thoughtline.filter;

import java.time.OffsetDateTime;

/**
 * A filter run as stored: its request (the steps as JSON), state, counts, and per-step statistics once done.
 * Its id is also the id of its output dataset. {@code shardSize} 0: the run holds its input in memory; else it is
 * worked in shards of that many items, and {@code ingested} is the input's item count once it is stored (null before), {@code phase} the
 * phase whose shards are offered and {@code phaseStartedAt} when they were.
 */
public record FilterRun(long id, String name, String input, String inputKind, String steps, String status, String error,
                        long itemCount, long keptCount, String stats, OffsetDateTime createdAt, OffsetDateTime finishedAt,
                        int shardSize, Long ingested, int phase, OffsetDateTime phaseStartedAt) {
}
