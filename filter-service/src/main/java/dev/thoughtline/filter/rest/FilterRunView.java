package dev.thoughtline.filter.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/**
 * A filter run as the API shows it.
 *
 * @param output the DatasetRef of its output view: the input's items that every step kept, with their scores
 * @param stats     per step, once complete: {@code name, type, in, out, histogram {min, max, counts[10]}}
 * @param shardSize the items of a shard when the run is worked in shards by every replica; null when it runs in memory
 * @param progress  while a sharded run is running (in the view of one run): where it is; null otherwise
 */
public record FilterRunView(long id, String name, String status, String input, String output, long itemCount, long keptCount,
                            JsonNode steps, JsonNode stats, String error, OffsetDateTime createdAt, OffsetDateTime finishedAt,
                            Integer shardSize, Progress progress) {

    /**
     * Where a sharded run is: its steps are worked in {@code phases} passes over the input (a pass ends at each dedup
     * step and each keep by rank), each in {@code shards} shards. {@code shards} is 0 while the input is being stored.
     *
     * @param phase          the pass under way, from 1
     * @param shardsDone     the shards of this pass worked so far (by every replica)
     * @param itemsPerSecond the pass's rate so far (input items a second); null before its first shard is done
     * @param etaSeconds     the pass's remaining shards at that rate; null with no rate
     */
    public record Progress(int phase, int phases, long shards, long shardsDone, Double itemsPerSecond, Long etaSeconds) {
    }
}
