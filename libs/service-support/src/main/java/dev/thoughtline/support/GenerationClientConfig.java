package dev.thoughtline.support;

import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * How {@link GenerationClient} calls generation-service: a group in each calling service's configuration mapping, as
 * {@code thoughtline.generation-client.*}.
 */
public interface GenerationClientConfig {

    /** Retries of every call, and of reconnecting a job's event stream: connection errors, 429, 502, 503, 504. */
    RetryConfig retry();

    /** The longest wait for one answer (for an event stream: for its headers). */
    @WithDefault("60s")
    Duration requestTimeout();

    /**
     * How long a job's event stream may stay quiet before the job is read once with {@code GET /jobs/{id}}. Events
     * come only when the progress changes, so a quiet stream is normal; the read tells a dead connection from a quiet
     * one, and shows what the stream does not (the teacher's circuit breaker).
     */
    @WithDefault("30s")
    Duration streamIdle();
}
