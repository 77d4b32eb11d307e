package dev.thoughtline.generation;

/** What became of a claimed task, as a worker reports it to the queue (stored in batches). */
public sealed interface Outcome {

    Task task();

    long teacherId();

    /**
     * The teacher answered.
     *
     * @param requests the requests this outcome accounts for: 1 for the first sample of a request, 0 for the
     *                 other samples of a request with {@code n} (so a request split over two stores counts once)
     */
    record Answered(Task task, long teacherId, String reasoning, String content, String finalAnswer, String finishReason,
                    long promptTokens, long completionTokens, long latencyMs, int requests) implements Outcome {
    }

    /** A stored result with the same cache key answers it: no request was made. */
    record FromCache(Task task, long teacherId) implements Outcome {
    }

    /**
     * The request failed in a way that may pass: back to the queue after {@code delayMs}.
     *
     * @param counted whether it counts toward the attempt bound (not while the teacher's breaker is open)
     */
    record Retry(Task task, long teacherId, long delayMs, boolean counted, String error, int requests) implements Outcome {
    }

    /** The teacher refused the request (a 4xx other than 429): the task fails with its message. */
    record Failed(Task task, long teacherId, String error, int requests) implements Outcome {
    }

    /** Not tried (this worker is stopping): back to the queue at once, nothing counted. */
    record Released(Task task, long teacherId) implements Outcome {
    }
}
