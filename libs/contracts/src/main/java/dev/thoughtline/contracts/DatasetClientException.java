package dev.thoughtline.contracts;

import java.net.URI;

/** A dataset server answered with an error, or could not be reached after the retries. */
public class DatasetClientException extends RuntimeException {
    private final URI uri;
    private final int status;
    private final boolean retryable;

    public DatasetClientException(URI uri, int status, String message, Throwable cause) {
        this(uri, status, message, cause, status == 0 || status == 429 || status >= 500);
    }

    public DatasetClientException(URI uri, int status, String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.uri = uri;
        this.status = status;
        this.retryable = retryable;
    }

    public URI uri() {
        return uri;
    }

    /** The HTTP status, or 0 when no response came back. */
    public int status() {
        return status;
    }

    /**
     * Whether trying again may help: no response, 429 or a 5xx; never a URL the policy refused, a page over its
     * limits or a malformed one.
     */
    public boolean retryable() {
        return retryable;
    }
}
