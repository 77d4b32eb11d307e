package dev.thoughtline.generation;

/**
 * A task a worker has claimed: one sample of one item of one job, with its lease.
 * <p>
 * A task that has a row in the queue has a positive id; a task row that a store puts back in the queue (to be
 * tried again, or released) gets a new one, so an outcome stored twice finds the second time no task to change. A
 * fresh sample, leased with others as a range (schema V7), has no row: its id is
 * {@code -(range id * 65536 + its offset in the range)}.
 *
 * @param cached          a stored result already has this task's cache key: it is answered without a request
 * @param countedFailures failed tries so far that count toward the attempt bound
 */
public record Task(long id, long jobId, long seq, long itemPos, int sampleIndex, String prompt, byte[] cacheKey,
                   boolean cached, int countedFailures) {

    /** Samples a range holds at most: the factor of the range id in a ranged sample's id. */
    public static final int RANGE_SIZE = 65536;

    /** Whether this is a sample of a range rather than a task row. */
    public boolean ranged() {
        return id < 0;
    }

    /** The range of a ranged sample. */
    public long rangeId() {
        return -id / RANGE_SIZE;
    }
}
