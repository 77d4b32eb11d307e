package dev.thoughtline.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** eval-service settings; every key can be set from the environment (THOUGHTLINE_...). */
@ConfigMapping(prefix = "thoughtline")
public interface EvalConfig {

    /** The URL other services reach this one at; benchmark DatasetRefs are built from it. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    /** Where generation-service is (e.g. {@code http://generation-service:8080}): eval runs are its jobs. */
    Optional<String> generationUrl();

    /** How generation-service is called: retries, timeouts, its job event streams. */
    dev.thoughtline.support.GenerationClientConfig generationClient();

    Runs runs();

    HuggingFace huggingface();

    Lineage lineage();

    /** How the leaderboard reads the lineage of models' training datasets (refs callers registered). */
    interface Lineage {
        /** The longest a leaderboard waits for lineage it has not cached; what is not read by then is marked unread. */
        @WithDefault("10s")
        Duration budget();

        /** The longest wait for one description; a slower server's dataset is marked unread. */
        @WithDefault("3s")
        Duration requestTimeout();

        /** Descriptions read per leaderboard at most. */
        @WithDefault("200")
        int maxDatasets();

        /** Generations of parents followed at most. */
        @WithDefault("8")
        int maxDepth();

        /** Descriptions read at once. */
        @WithDefault("8")
        int concurrency();

        /** How long a complete dataset's description is kept (complete datasets do not change). */
        @WithDefault("1h")
        Duration cacheComplete();

        /** How long any other description, or a failure to read one, is kept. */
        @WithDefault("30s")
        Duration cacheOther();

        /** Descriptions kept at most. */
        @WithDefault("10000")
        int cacheSize();
    }

    /** How eval runs sample and wait. */
    interface Runs {
        /** Sampling temperature when a run does not say. */
        @WithDefault("0.7")
        double temperature();

        /** Completion token budget when a run does not say. */
        @WithDefault("32768")
        int maxTokens();

        /**
         * How long a job may make no progress while its teacher's circuit breaker is open before the run fails as
         * "endpoint unreachable" (and its job is cancelled).
         */
        @WithDefault("5m")
        Duration unreachableAfter();

        /** The longest a run waits for its jobs. */
        @WithDefault("72h")
        Duration timeout();

        /** Runs driven at once by one replica. */
        @WithDefault("4")
        int concurrency();
    }

    /** The Hugging Face datasets server, for benchmark imports. */
    interface HuggingFace {
        @WithDefault("https://datasets-server.huggingface.co")
        String url();

        /** The environment variable holding a token for gated datasets (GPQA is gated). */
        @WithDefault("HF_TOKEN")
        String tokenEnv();

        /** Rows per benchmark at most. */
        @WithDefault("20000")
        int maxRows();
    }
}
