package dev.thoughtline.support;

import dev.thoughtline.contracts.LineError;
import dev.thoughtline.contracts.Problem;

import java.util.List;

/** An error the caller can fix; becomes an RFC 9457 problem with its status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final List<LineError> errors;

    public ApiException(int status, String title, String detail, List<LineError> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = errors;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad request", detail, null);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "Not found", what + " does not exist", null);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail, null);
    }

    public static ApiException unprocessable(String detail) {
        return new ApiException(422, "Unprocessable request", detail, null);
    }

    public Problem problem() {
        return new Problem("about:blank", title, status, getMessage(), null, errors);
    }

    public int status() {
        return status;
    }
}
