package dev.thoughtline.generation;

/**
 * A task a worker has claimed: one sample of one item of one job, with its lease.
 *
 * @param cached          a stored result already has this task's cache key: it is answered without a request
 * @param countedFailures failed tries so far that count toward the attempt bound
 */
public record Task(long id, long jobId, long seq, long itemPos, int sampleIndex, String prompt, byte[] cacheKey,
                   boolean cached, int countedFailures) {
}
