package dev.thoughtline.support;

import dev.thoughtline.contracts.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every request body under {@code /api/} is bounded before it is read: a JSON request may be at most
 * {@code thoughtline.limits.json-body} (1 MiB by default; 413 problem otherwise) and must say its length up front
 * (411 for a chunked one, so nothing is buffered before the limit applies). Endpoints marked {@link BulkBody} stream
 * their body with their own per-line bounds and are exempt; {@code quarkus.http.limits.max-body-size} bounds them.
 */
public class BodyLimits {

    /** The limits ({@code thoughtline.limits.*}). */
    @ConfigMapping(prefix = "thoughtline.limits")
    public interface Config {
        /** The largest JSON request body. */
        @WithDefault("1M")
        MemorySize jsonBody();
    }

    private final long max;

    public BodyLimits(Config config) {
        this.max = config.jsonBody().asLongValue();
    }

    @ServerRequestFilter
    public Response check(ContainerRequestContext request, ResourceInfo resource) {
        if (resource.getResourceMethod() != null && resource.getResourceMethod().isAnnotationPresent(BulkBody.class)) {
            return null;
        }
        String length = request.getHeaderString("Content-Length");
        if (length == null) {
            String chunked = request.getHeaderString("Transfer-Encoding");
            return chunked != null && chunked.toLowerCase(java.util.Locale.ROOT).contains("chunked")
                    ? problem(request, 411, "Length Required", "send the request with a Content-Length of at most " + max + " bytes")
                    : null;
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return problem(request, 400, "Bad Request", "Content-Length is not a number");
        }
        return bytes > max ? problem(request, 413, "Content Too Large", "the request body is " + bytes
                + " bytes; at most " + max + " are accepted (thoughtline.limits.json-body)") : null;
    }

    private static Response problem(ContainerRequestContext request, int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title, detail).withInstance(request.getUriInfo().getPath())).build();
    }
}
