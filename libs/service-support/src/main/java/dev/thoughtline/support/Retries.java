package dev.thoughtline.support;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries of a blocking call to another server, through SmallRye Fault Tolerance's programmatic {@link Guard}:
 * exponential backoff with jitter, bounded in attempts and in total time ({@link RetryConfig}), and a server's
 * {@code Retry-After} honoured. Only a {@link Transient} failure is tried again (the caller says which ones are:
 * a connection error, a 429, a 503...); any other exception ends the call at once, and so does a {@code Retry-After}
 * that reaches past the call's time budget. Waits block the calling thread: call it from a worker thread.
 */
public final class Retries {

    /** A failure worth trying again; {@code retryAfter} is the wait the server asked for, or null. */
    public static final class Transient extends RuntimeException {
        private final Duration retryAfter;

        public Transient(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** The retries ran out (attempts, time, or a {@code Retry-After} beyond the budget): the last failure's message. */
    public static final class GaveUp extends RuntimeException {
        public GaveUp(String message, Throwable last) {
            super(message, last);
        }
    }

    /** Explicit settings, for a client built without a configuration mapping (tests, tools). */
    public record Settings(int attempts, Duration maxDuration, Duration initialBackoff, Duration maxBackoff) implements RetryConfig {
    }

    private final Guard guard;
    private final RetryConfig config;

    /** {@code description} names the callee in fault-tolerance metrics and logs ({@code generation-service}). */
    public Retries(String description, RetryConfig config) {
        if (config.attempts() < 1) {
            throw new IllegalArgumentException("retry attempts must be at least 1");
        }
        this.config = config;
        this.guard = Guard.create()
                .withDescription(description)
                .withRetry()
                    .maxRetries(config.attempts() - 1)
                    .maxDuration(config.maxDuration().toMillis(), ChronoUnit.MILLIS)
                    .delay(config.initialBackoff().toMillis(), ChronoUnit.MILLIS)
                    // the exception itself, not its causes (retryOn would retry a GaveUp caused by a Transient)
                    .whenException(Transient.class::isInstance)
                    // the strategy adds the jitter and the server's Retry-After, which the built-in backoffs cannot read
                    .withCustomBackoff().strategy(() -> new Backoff(config, System.nanoTime())).done()
                    .done()
                .build();
    }

    /**
     * Calls {@code attempt} until it answers, throws something other than a {@link Transient}, or the retries run
     * out ({@link GaveUp}, whose message is the last failure's with the attempts and time spent). An interrupt ends
     * the call with a {@link GaveUp} too, the thread's interrupt flag set again.
     */
    public <T> T call(Callable<T> attempt) {
        long start = System.nanoTime();
        int[] tries = {0};
        Callable<T> once = () -> {
            tries[0]++;
            try {
                return attempt.call();
            } catch (Transient t) {
                Duration after = t.retryAfter();
                if (after != null && Duration.ofNanos(System.nanoTime() - start).plus(after).compareTo(config.maxDuration()) > 0) {
                    throw new GaveUp(t.getMessage() + " (asked to retry after " + after.toSeconds() + " s, past the retry budget of "
                            + config.maxDuration().toSeconds() + " s)", t);
                }
                throw t;
            }
        };
        try {
            return guard.call(once, type());
        } catch (Transient t) {
            throw new GaveUp(t.getMessage() + " (gave up after " + tries[0] + (tries[0] == 1 ? " attempt" : " attempts") + " in "
                    + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s)", t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GaveUp("interrupted", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> type() {
        // any type but CompletionStage and Uni: the guard runs the call synchronously on this thread
        return (Class<T>) Object.class;
    }

    /**
     * The wait a {@code Retry-After} value asks for: delay-seconds or an HTTP date (a date in the past is no wait);
     * null when absent or unreadable.
     */
    public static Duration retryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException tooLong) {
                return null;
            }
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT));
            Duration d = Duration.between(clock.instant(), at.toInstant());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Exponential backoff with "equal jitter" (a wait between half and all of the doubled delay, so that clients
     * that failed together do not come back together), at least the server's {@code Retry-After}, and never past
     * the call's time budget. One per call: it counts the call's retries.
     */
    static final class Backoff implements CustomBackoffStrategy {
        private final long initial;
        private final long max;
        private final long budget;
        private final long start;
        private int retries;

        Backoff(RetryConfig config, long startNanos) {
            this.initial = Math.max(1, config.initialBackoff().toMillis());
            this.max = Math.max(initial, config.maxBackoff().toMillis());
            this.budget = config.maxDuration().toMillis();
            this.start = startNanos;
        }

        @Override
        public long nextDelayInMillis(Throwable cause) {
            long ceiling = initial << Math.min(retries++, 20);
            long full = Math.min(max, ceiling);
            long delay = full / 2 + ThreadLocalRandom.current().nextLong(full - full / 2 + 1);
            if (cause instanceof Transient t && t.retryAfter() != null) {
                delay = Math.max(delay, t.retryAfter().toMillis());
            }
            long left = budget - (System.nanoTime() - start) / 1_000_000;
            return Math.max(0, Math.min(delay, left));
        }
    }
}
