package dev.thoughtline.question.client;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RestClient;


/**
 * Reads pages of the Hugging Face datasets server. A page that fails with a connection error, 429 or
 * 5xx is retried with backoff and jitter; any other 4xx (an unknown dataset, config or split) fails at
 * once as {@link HuggingFaceRejected} with the server's message. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class HuggingFaceClient {

    private final HuggingFaceRowsApi api;

    public HuggingFaceClient(@RestClient HuggingFaceRowsApi api) {
        this.api = api;
    }

    @Retry(maxRetries = 5, delay = 1000, jitter = 500, abortOn = HuggingFaceRejected.class)
    public RowsPage rows(String dataset, String config, String split, long offset, int length) {
        try {
            RowsPage page = api.rows(dataset, config, split, offset, length);
            if (page == null || page.rows() == null) {
                throw new HuggingFaceUnavailable("the datasets server sent a page without rows");
            }
            return page;
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            if (status == 429 || status >= 500) {
                throw new HuggingFaceUnavailable("the datasets server answered " + status);
            }
            throw new HuggingFaceRejected("the datasets server refused " + dataset + "/" + config + "/" + split
                    + " (" + status + "): " + body(e));
        } catch (ProcessingException e) {
            throw new HuggingFaceUnavailable("cannot reach the datasets server: " + e.getMessage());
        }
    }

    private static String body(WebApplicationException e) {
        try {
            String s = e.getResponse().readEntity(String.class);
            return s == null ? "" : (s.length() > 300 ? s.substring(0, 300) + "..." : s);
        } catch (RuntimeException ignored) {
            return "";
        }
    }

    /** The request itself is wrong; retrying cannot help. */
    public static final class HuggingFaceRejected extends RuntimeException {
        public HuggingFaceRejected(String message) {
            super(message);
        }
    }

    /** The server could not answer now; worth another try. */
    public static final class HuggingFaceUnavailable extends RuntimeException {
        public HuggingFaceUnavailable(String message) {
            super(message);
        }
    }
}
