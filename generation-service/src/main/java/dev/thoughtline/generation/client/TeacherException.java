package dev.thoughtline.generation.client;

import java.time.Duration;

/**
 * Why a call to a teacher failed, in the terms the retry policy needs: {@link #retryable()} says whether
 * trying again may help; {@link #retryAfter()} is the server's {@code Retry-After}, when it gave one.
 */
public final class TeacherException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** 429: the teacher or its provider limits the rate. Retryable, after {@code Retry-After} when given. */
        RATE_LIMITED(true),
        /** 5xx. Retryable. */
        SERVER_ERROR(true),
        /** No connection, or it broke. Retryable. */
        CONNECTION(true),
        /** No byte for longer than the idle timeout. Retryable. */
        IDLE_TIMEOUT(true),
        /** The stream ended without {@code [DONE]} or without a finish reason: never stored as complete. Retryable. */
        BROKEN_STREAM(true),
        /** Any other 4xx: the request is wrong (unknown model, bad parameters, bad key). Not retryable. */
        REJECTED(false),
        /**
         * The answer passed a limit (a sample's length, a stream line's): the same request would pass it again, so it
         * is not retried, and nothing of it is stored.
         */
        TOO_LARGE(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public TeacherException(Kind kind, int status, Duration retryAfter, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when there was none. */
    public int status() {
        return status;
    }

    /** The wait the server asked for, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean retryable() {
        return kind.retryable;
    }
}
