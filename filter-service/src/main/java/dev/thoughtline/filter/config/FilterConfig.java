package dev.thoughtline.filter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** filter-service settings; every key can be set from the environment (THOUGHTLINE_...). */
@ConfigMapping(prefix = "thoughtline")
public interface FilterConfig {

    /** The URL other services reach this one at; output DatasetRefs are built from it. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    /**
     * Where generation-service is (e.g. {@code http://generation-service:8080}): LLM steps run as its jobs. Without
     * it, runs with LLM steps are refused.
     */
    java.util.Optional<String> generationUrl();

    /** How generation-service is called: retries, timeouts, its job event streams. */
    dev.thoughtline.support.GenerationClientConfig generationClient();

    /** How long an LLM step waits for its generation job before the run fails. */
    @WithDefault("24h")
    Duration llmStepTimeout();

    Runs runs();

    Embeddings embeddings();

    /** Where the embedding step's vectors come from. */
    interface Embeddings {
        /**
         * An OpenAI-compatible endpoint's base URL (e.g. {@code http://tei:8080/v1}); without it, all-MiniLM-L6-v2
         * runs in this process.
         */
        java.util.Optional<String> url();

        /** The model name sent to the endpoint. */
        @WithDefault("all-minilm-l6-v2")
        String model();

        /** The environment variable that holds the endpoint's API key, if it needs one. */
        java.util.Optional<String> apiKeyEnv();

        /** Texts per call. */
        @WithDefault("64")
        int batch();

        /** Retries of a call: connection errors, 429 and 5xx. */
        dev.thoughtline.support.RetryConfig retry();
    }

    /** How runs read their inputs and store their verdicts. */
    interface Runs {
        /** Runs a replica takes over from others and drives at once (runs submitted to it start there whatever this says). */
        @WithDefault("4")
        int concurrency();

        /** A page of items served holds fewer than asked when they pass this many bytes (and at least one). */
        @WithDefault("8388608")
        long pageBytes();

        /** Items per page when reading an input or a benchmark dataset. */
        @WithDefault("1000")
        int inputPageSize();

        /**
         * Tries per page read before the run fails (a 404 or malformed line fails it at once): with the waits
         * doubling from {@link #inputBackoff} up to 20 times it, about 20 s, a restart of the service read from.
         */
        @WithDefault("10")
        int inputAttempts();

        @WithDefault("200ms")
        Duration inputBackoff();

        /**
         * A run whose steps can all be worked in shards ({@code ShardPlan}: every step but majority, length per question,
         * the LLM and embedding steps) over an input of more items than this is stored and worked in shards of this many
         * items, by any replica, holding one shard in memory at a time (a few KB of heap an item of 60 words while it is
         * worked; a replica works shard-concurrency shards at once).
         */
        @WithDefault("10000")
        int shardSize();

        /**
         * A sharded run fails past this many items (its input is stored in PostgreSQL: a caller's server that never
         * stops sending pages must not fill the database).
         */
        @WithDefault("100000000")
        long maxShardedItems();

        /**
         * Items a sharded run's near-dedup puts through the step at once when it confirms candidates (whole groups of
         * items that share band fingerprints, so a batch may hold more).
         */
        @WithDefault("20000")
        int resolveBatch();

        /** Shards this replica works at once. */
        @WithDefault("2")
        int shardConcurrency();

        /** A run held in memory (not sharded) fails past this many items with a clear reason instead of exhausting the heap. */
        @WithDefault("2000000")
        int maxItems();

        /** Verdicts stored per statement. */
        @WithDefault("1000")
        int verdictBatch();
    }
}
