package dev.thoughtline.question.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** question-service settings; every key can be set from the environment (THOUGHTLINE_...). */
@ConfigMapping(prefix = "thoughtline")
public interface QuestionConfig {

    /**
     * The URL other services reach this one at; DatasetRefs are built from it
     * (e.g. {@code http://question-service:8080} in Kubernetes).
     */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    Imports imports();

    Items items();

    interface Imports {
        /** A line longer than this is rejected (the rest of the upload goes on). */
        @WithDefault("1048576")
        int maxLineBytes();

        /** Questions per bulk insert. */
        @WithDefault("4000")
        int batchSize();

        /** A batch also ends when its lines add up to this many bytes, so long lines cannot fill the heap. */
        @WithDefault("8388608")
        int batchBytes();

        /**
         * Batches of one upload written at once, on as many connections, while the next is parsed;
         * batches are inserted in hash order, so they cannot deadlock each other.
         */
        @WithDefault("2")
        int parallelBatches();

        /** Rejected lines listed in a report; the count covers all of them. */
        @WithDefault("1000")
        int maxErrorsReported();

        /** Paged imports (Hugging Face, DatasetRef) running at once per replica; more wait their turn. */
        @WithDefault("4")
        int parallelImports();

        /** Rows asked per page of the Hugging Face datasets server (it serves at most 100). */
        @WithDefault("100")
        int huggingFacePageSize();

        /** Items asked per page when importing from a DatasetRef. */
        @WithDefault("1000")
        int datasetPageSize();

        /** Tries per page of a DatasetRef import, the first included (about 55 s of waits: a restart of the server read from). */
        @WithDefault("10")
        int datasetAttempts();

        /** The first wait between tries of a DatasetRef page; doubles each time. */
        @WithDefault("500ms")
        Duration datasetBackoff();

        /**
         * A running paged import not heard from for this long may be resumed by anyone (its old worker,
         * if alive, is then refused its next write). Longer than one page's worst case with retries.
         */
        @WithDefault("10m")
        Duration staleAfter();
    }

    interface Items {
        @WithDefault("1000")
        int defaultLimit();

        @WithDefault("10000")
        int maxLimit();

        /** A page holds fewer items than asked when its items could exceed this many bytes. */
        @WithDefault("16777216")
        long pageBytes();

        /** Pages read ahead for clients paging through a complete dataset (0: none); each holds up to a page of bytes. */
        @WithDefault("4")
        int readAhead();
    }
}
