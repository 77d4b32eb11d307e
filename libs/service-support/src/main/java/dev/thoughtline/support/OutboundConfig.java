package dev.thoughtline.support;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.util.List;
import java.util.Optional;

/**
 * Where a service may send requests to URLs a caller named ({@code thoughtline.outbound.*}); see
 * {@link dev.thoughtline.contracts.OutboundPolicy}. The defaults are the production ones: only public addresses and
 * the suite's own services.
 */
@ConfigMapping(prefix = "thoughtline.outbound")
public interface OutboundConfig {

    /** Whether private and loopback addresses may be reached. */
    enum PrivateAddresses {
        ALLOW, REFUSE
    }

    /**
     * Origins of the suite's services ({@code http://question-service:8080,...}): the only URLs that get the service
     * token, reachable although cluster-internal. The service's own {@code thoughtline.public-url} is always one.
     */
    Optional<List<String>> suite();

    /**
     * Hosts allowed although private: names, {@code *.suffix} patterns, CIDR ranges, or origins
     * ({@code http://vllm.models:8000}, which allow that port only).
     */
    Optional<List<String>> allow();

    /** Hosts, patterns, ranges or origins always refused. */
    Optional<List<String>> deny();

    /** {@code refuse} (the default): private and loopback addresses only through {@code allow}; {@code allow}: any. */
    @WithName("private")
    @WithDefault("refuse")
    PrivateAddresses privateAddresses();

    /** Whether hosts outside the suite must match {@code allow}, public ones too. */
    @WithDefault("false")
    boolean onlyAllowed();

    /** The largest dataset page a service reads from another server. */
    @WithDefault("32M")
    io.quarkus.runtime.configuration.MemorySize maxPageBytes();
}
