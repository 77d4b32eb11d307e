package dev.thoughtline.filter.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/**
 * A filter run as the API shows it.
 *
 * @param output the DatasetRef of its output view: the input's items that every step kept, with their scores
 * @param stats     per step, once complete: {@code name, type, in, out, histogram {min, max, counts[10]}}
 * @param shardSize the items of a shard when the run is worked in shards by every replica; null when it runs in memory
 */
public record FilterRunView(long id, String name, String status, String input, String output, long itemCount, long keptCount,
                            JsonNode steps, JsonNode stats, String error, OffsetDateTime createdAt, OffsetDateTime finishedAt,
                            Integer shardSize) {
}
