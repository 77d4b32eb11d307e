package dev.thoughtline.question.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.contracts.LineError;

import java.time.Instant;
import java.util.List;

/** An import run: {@code status} is running, complete or failed; {@code cursor} is where a resume starts. */
public record ImportView(long id, long source, String kind, String status, JsonNode params, String cursor,
                         long received, long imported, long duplicates, long rejected, List<LineError> errors,
                         String failure, Instant createdAt, Instant updatedAt) {
}
