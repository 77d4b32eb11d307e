package dev.thoughtline.generation.service;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A teacher's circuit breaker in this replica. Consecutive failures that say the teacher is down (5xx,
 * connection errors, timeouts, broken streams; not 429, not a refused request) open it; while open no task
 * is claimed for the teacher, so a job whose teacher is down waits instead of burning its tasks into
 * failures. After {@code openFor} one probe request goes through: success closes it, failure opens it again.
 */
public final class CircuitBreaker {

    /** What a claim may take now. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openForNanos;
    private final LongSupplier clock;
    private int failures;
    private long openedAt;
    private boolean open;
    private boolean probing;
    private String lastError;

    public CircuitBreaker(int threshold, Duration openFor, LongSupplier clock) {
        this.threshold = Math.max(1, threshold);
        this.openForNanos = openFor.toNanos();
        this.clock = clock;
    }

    public synchronized State state() {
        if (!open) {
            return State.CLOSED;
        }
        return clock.getAsLong() - openedAt >= openForNanos ? State.HALF_OPEN : State.OPEN;
    }

    /**
     * How many requests may start now, of {@code wanted}: all when closed, none when open, one probe when
     * half-open and no probe is out. A taken probe must be ended with {@link #success()}, {@link #failure}
     * or {@link #probeUnused()}.
     */
    public synchronized int permits(int wanted) {
        State s = state();
        if (s == State.CLOSED) {
            return wanted;
        }
        if (s == State.HALF_OPEN && !probing && wanted > 0) {
            probing = true;
            return 1;
        }
        return 0;
    }

    /** The probe was not used (nothing to claim). */
    public synchronized void probeUnused() {
        probing = false;
    }

    public synchronized void success() {
        failures = 0;
        open = false;
        probing = false;
    }

    /**
     * Records a failure that says the teacher is down. Returns whether it counts against the task: only
     * failures while the breaker was closed do; a probe's failure or one that was in flight when the
     * breaker opened is the teacher's, not the task's.
     */
    public synchronized boolean failure(String error) {
        lastError = error;
        boolean wasClosed = !open;
        failures++;
        if (open) {
            // the probe failed, or a request that was in flight when it opened: stay open from now
            openedAt = clock.getAsLong();
            probing = false;
        } else if (failures >= threshold) {
            open = true;
            openedAt = clock.getAsLong();
        }
        return wasClosed;
    }

    /** The last failure's message, for progress reports while open. */
    public synchronized String lastError() {
        return lastError;
    }
}
