package dev.thoughtline.eval.rest;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * An eval run and, per benchmark, its generation job and (once scored) its metrics.
 *
 * @param model null for a teacher report's run (a bare teacher)
 */
public record EvalRunView(long id, String name, String model, String teacher, String status, String error, JsonNode request,
                          List<Result> results, OffsetDateTime createdAt, OffsetDateTime finishedAt) {

    /** One benchmark of the run: {@code status} running or complete; {@code metrics} as the README defines them. */
    public record Result(String benchmark, String status, Long jobId, JsonNode metrics) {
    }
}
