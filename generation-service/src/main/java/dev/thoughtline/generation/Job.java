package dev.thoughtline.generation;

import io.vertx.mutiny.sqlclient.Row;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A generation job as stored: what to ask (input, teacher, template, samples per item, parameters), where
 * it stands, and what it has cost. The counters are kept by the workers in the same transactions that
 * store results, so they never disagree with the stored samples.
 */
public record Job(long id, String name, long teacherId, String input, int samplesPerItem, String promptTemplate,
                  String systemPrompt, String params, String request, Status status, String error, boolean loaded,
                  long itemCount, long taskCount, long done, long cached, long failed, long requests,
                  long failedRequests, long promptTokens, long completionTokens, Instant createdAt, Instant startedAt,
                  Instant finishedAt) {

    /** Where a job stands. */
    public enum Status {
        /** Its tasks may be claimed (its input may still be loading). */
        RUNNING,
        /** No new task is claimed; requests in flight finish and are stored. */
        PAUSED,
        /** Stopped for good: open tasks are cancelled, requests in flight are aborted. */
        CANCELLED,
        /** Every task is done or failed, and at least one sample is stored. */
        COMPLETE,
        /** The input could not be read, or every sample failed. */
        FAILED;

        public boolean terminal() {
            return this == CANCELLED || this == COMPLETE || this == FAILED;
        }

        public String db() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The columns {@link #from(Row)} reads, in order. */
    public static final String COLUMNS = "id, name, teacher_id, input, samples_per_item, prompt_template, system_prompt, "
            + "params::text, request::text, status, error, loaded, item_count, task_count, done_count, cached_count, "
            + "failed_count, requests, failed_requests, prompt_tokens, completion_tokens, created_at, started_at, finished_at";

    public static Job from(Row r) {
        return new Job(r.getLong(0), r.getString(1), r.getLong(2), r.getString(3), r.getInteger(4), r.getString(5),
                r.getString(6), r.getString(7), r.getString(8), Status.valueOf(r.getString(9).toUpperCase(java.util.Locale.ROOT)),
                r.getString(10), r.getBoolean(11), r.getLong(12), r.getLong(13), r.getLong(14), r.getLong(15), r.getLong(16),
                r.getLong(17), r.getLong(18), r.getLong(19), r.getLong(20), instant(r.getOffsetDateTime(21)),
                instant(r.getOffsetDateTime(22)), instant(r.getOffsetDateTime(23)));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
