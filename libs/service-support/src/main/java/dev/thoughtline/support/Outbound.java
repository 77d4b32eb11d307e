package dev.thoughtline.support;

import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.OutboundPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The service's {@link OutboundPolicy}, from {@link OutboundConfig}, for every client that calls a URL a caller
 * named: the dataset client, teacher and embedding endpoints.
 */
@ApplicationScoped
public class Outbound {

    @Produces
    @Singleton
    OutboundPolicy policy(OutboundConfig config) {
        return of(config);
    }

    /** The policy {@code config} describes, the service's own public URL among the suite's origins. */
    public static OutboundPolicy of(OutboundConfig config) {
        List<String> suite = new ArrayList<>(config.suite().orElse(List.of()));
        ConfigProvider.getConfig().getOptionalValue("thoughtline.public-url", String.class).ifPresent(suite::add);
        return OutboundPolicy.of(suite, config.allow().orElse(List.of()), config.deny().orElse(List.of()),
                config.privateAddresses() == OutboundConfig.PrivateAddresses.ALLOW, config.onlyAllowed());
    }

    /**
     * {@link OutboundPolicy#check} on a worker thread (it resolves the host), the outcome emitted back on the caller's
     * Vert.x context, so a Hibernate Reactive session can go on from it; a refusal is a 422 problem for the caller
     * that named the URL as {@code what}. With {@code unresolvedPasses}, a host that does not resolve now passes
     * (a name registered before it exists: every request to it is checked again).
     */
    public static Uni<Void> check(Vertx vertx, OutboundPolicy policy, URI uri, String what, boolean unresolvedPasses) {
        return io.vertx.mutiny.core.Vertx.newInstance(vertx).executeBlocking(Uni.createFrom().item(() -> {
            checkBlocking(policy, uri, what, unresolvedPasses);
            return (Void) null;
        }), false);
    }

    /** {@link #check} on the calling thread, which may block (it resolves the host): a worker thread's. */
    public static void checkBlocking(OutboundPolicy policy, URI uri, String what, boolean unresolvedPasses) {
        try {
            policy.check(uri);
        } catch (OutboundPolicy.Unresolvable e) {
            if (!unresolvedPasses) {
                throw ApiException.unprocessable(what + " cannot be reached: " + e.getMessage());
            }
        } catch (OutboundPolicy.Refused e) {
            throw ApiException.unprocessable(what + " is refused by the outbound policy: " + e.getMessage());
        }
    }

    /**
     * The dataset client's options under this policy: the service token ({@link BearerTokens#outgoing()}) only to the
     * suite's services, pages no larger than {@code thoughtline.outbound.max-page-bytes}.
     */
    public static DatasetClient.Options datasetOptions(DatasetClient.Options base, OutboundPolicy policy, OutboundConfig config) {
        return base.withPolicy(policy, BearerTokens::outgoing).withMaxPageBytes(config.maxPageBytes().asLongValue());
    }
}
