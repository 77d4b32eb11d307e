package dev.thoughtline.generation.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** generation-service settings; every key can be set from the environment (THOUGHTLINE_...). */
@ConfigMapping(prefix = "thoughtline")
public interface GenerationConfig {

    /**
     * The URL other services reach this one at; trace DatasetRefs are built from it
     * (e.g. {@code http://generation-service:8080} in Kubernetes).
     */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    Worker worker();

    Client client();

    Breaker breaker();

    Jobs jobs();

    Items items();

    /** The workers that claim tasks from the queue and call the teachers. */
    interface Worker {
        /** Whether this replica works the queue (an API-only replica sets false). */
        @WithDefault("true")
        boolean enabled();

        /** This replica's name in leases; defaults to the host name plus a random suffix. */
        Optional<String> id();

        /** Requests in flight from this replica across all teachers; each teacher's own limit also holds. */
        @WithDefault("4096")
        int maxInFlight();

        /** Tasks claimed per claim at most: the chunk in which the queue and the limits are taken. */
        @WithDefault("256")
        int claimBatch();

        /** How often a teacher with free capacity looks for work. */
        @WithDefault("200ms")
        Duration pollInterval();

        /** A claimed task returns to the queue when its lease is not renewed for this long (its worker died). */
        @WithDefault("60s")
        Duration lease();

        /** Outcomes are stored in one transaction per this many, or per flush interval. */
        @WithDefault("256")
        int flushSize();

        @WithDefault("50ms")
        Duration flushInterval();

        /**
         * Failed tries per task before it fails for good (requests while the breaker is open do not count). Ten
         * tries lose one task in 170,000 even when 30% of requests fail.
         */
        @WithDefault("10")
        int maxAttempts();

        /** The wait before the first retry; it doubles per failure up to {@link #backoffMax()}, with jitter. */
        @WithDefault("1s")
        Duration backoff();

        @WithDefault("5m")
        Duration backoffMax();

        /** Requests-per-minute and tokens-per-minute buckets hold at most this many seconds of their rate. */
        @WithDefault("2")
        int burstSeconds();

        /**
         * This replica vacuums the task and range tables after settling this many samples (0: never; autovacuum
         * alone). Each settled task or range leaves dead index entries before the live part of the queue, which
         * claims walk until VACUUM removes them; autovacuum looks at a database only once a minute by default.
         */
        @WithDefault("20000")
        int vacuumEvery();
    }

    /** How the teacher client talks to a teacher. */
    interface Client {
        @WithDefault("10s")
        Duration connectTimeout();

        /** The longest wait for the first token (a busy teacher queues requests). */
        @WithDefault("10m")
        Duration firstTokenTimeout();

        /** The longest silence once tokens flow; there is no total timeout. */
        @WithDefault("2m")
        Duration idleTimeout();

        /** The longest line of a teacher's event stream, in bytes (a chunk is a few hundred). */
        @WithDefault("1048576")
        int maxLineBytes();

        /**
         * The longest sample, reasoning and content together, in characters (a 32K-token answer is about 130,000);
         * a longer one fails for good, and nothing of it is stored.
         */
        @WithDefault("4194304")
        int maxSampleChars();
    }

    /** The circuit breaker per teacher: consecutive failures open it, and no task is claimed while open. */
    interface Breaker {
        @WithDefault("10")
        int failureThreshold();

        /** How long it stays open before one probe request is let through. */
        @WithDefault("30s")
        Duration openFor();
    }

    interface Jobs {
        @WithDefault("1024")
        int maxSamplesPerItem();

        /** A rendered prompt longer than this fails the job (it would fail at the teacher anyway). */
        @WithDefault("1048576")
        int maxPromptBytes();

        /** Items read per page of the input dataset. */
        @WithDefault("1000")
        int inputPageSize();

        /** Tries per page of the input, the first included; the wait between them starts at {@link #inputBackoff()} and doubles. */
        @WithDefault("10")
        int inputAttempts();

        @WithDefault("500ms")
        Duration inputBackoff();

        /** How long a teacher has to answer {@code GET /models} when a job is submitted. */
        @WithDefault("10s")
        Duration teacherProbeTimeout();

        /**
         * A loading job whose loader has not been heard from for this long (it beats every third of it) is taken over
         * by another replica.
         */
        @WithDefault("30s")
        Duration loaderStaleAfter();
    }

    interface Items {
        @WithDefault("1000")
        int defaultLimit();

        @WithDefault("10000")
        int maxLimit();

        /**
         * A page holds fewer items than asked when its items pass this many bytes (and at least one item): 10,000
         * traces of 32K tokens would be about a gigabyte.
         */
        @WithDefault("8388608")
        long pageBytes();
    }
}
