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

    Runs runs();

    HuggingFace huggingface();

    /** How eval runs sample and wait. */
    interface Runs {
        /** Sampling temperature when a run does not say. */
        @WithDefault("0.7")
        double temperature();

        /** Completion token budget when a run does not say. */
        @WithDefault("32768")
        int maxTokens();

        /** How often a run looks at its generation jobs. */
        @WithDefault("1s")
        Duration pollInterval();

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
