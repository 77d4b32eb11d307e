package dev.thoughtline.eval.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/** A benchmark: its spec, where its items came from, and its DatasetRef (what generation-service and filters read). */
public record BenchmarkView(long id, String name, String spec, String answerType, int repeats, String promptTemplate, int itemCount,
                            String dataset, JsonNode origin, OffsetDateTime createdAt) {
}
