package dev.thoughtline.eval;

import java.time.OffsetDateTime;

/** An eval run: a model (null for a bare teacher) on benchmarks; {@code request} is the request as resolved (JSON). */
public record EvalRun(long id, String name, String model, String teacher, String request, String status, String error,
                      OffsetDateTime createdAt, OffsetDateTime finishedAt) {

    public boolean running() {
        return "running".equals(status);
    }
}
