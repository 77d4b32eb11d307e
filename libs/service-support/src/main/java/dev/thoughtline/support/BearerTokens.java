package dev.thoughtline.support;

import dev.thoughtline.contracts.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Access to the API by bearer tokens, the same in every service. With {@code thoughtline.auth.tokens} set (a
 * comma-separated list; in Kubernetes {@code THOUGHTLINE_AUTH_TOKENS} from a Secret), every request under
 * {@code /api/} needs {@code Authorization: Bearer T} with T in the list, and gets a 401 problem otherwise; health,
 * metrics and OpenAPI under {@code /q/} stay open for probes and scraping. Unset, access is open (the local demo).
 * {@code thoughtline.auth.token} is the token this service sends on its own calls to the others ({@link #outgoing()}).
 */
public class BearerTokens {

    private final List<byte[]> tokens = new ArrayList<>();

    public BearerTokens(AuthConfig config) {
        for (String t : config.tokens().orElse(List.of())) {
            if (!t.isBlank()) {
                tokens.add(t.strip().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(ContainerRequestContext request) {
        if (tokens.isEmpty() || !request.getUriInfo().getPath().startsWith("/api/")) {
            return null;
        }
        String header = request.getHeaderString("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            boolean known = false;
            for (byte[] t : tokens) {
                // constant time per token: no timing hint about how much of a token was right
                known |= MessageDigest.isEqual(t, given);
            }
            if (known) {
                return null;
            }
        }
        Problem p = Problem.of(401, "Unauthorized", header == null
                ? "this API needs a bearer token: Authorization: Bearer <token>"
                : "the bearer token is not one this service accepts").withInstance(request.getUriInfo().getPath());
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer realm=\"thoughtline\"").entity(p).build();
    }

    /** The headers a service puts on its calls to the others: its {@code thoughtline.auth.token}, when set. */
    public static Map<String, String> outgoing() {
        Optional<String> token = ConfigProvider.getConfig().getOptionalValue("thoughtline.auth.token", String.class);
        return token.filter(t -> !t.isBlank()).map(t -> Map.of("Authorization", "Bearer " + t.strip())).orElse(Map.of());
    }
}
