package dev.thoughtline.support;

import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * How a client retries a call that failed for a passing reason ({@link Retries}): a group inside a service's
 * {@code @ConfigMapping}. The defaults ride out a restart of the called service that lasts a minute.
 */
public interface RetryConfig {

    /** Tries of one call at most, the first included. */
    @WithDefault("20")
    int attempts();

    /** The longest one call goes on retrying, its waits included; a longer {@code Retry-After} ends it at once. */
    @WithDefault("2m")
    Duration maxDuration();

    /** The wait before the first retry; it doubles at each retry, with jitter. */
    @WithDefault("500ms")
    Duration initialBackoff();

    /** The longest wait between two tries (unless the server's {@code Retry-After} asks for more). */
    @WithDefault("10s")
    Duration maxBackoff();
}
