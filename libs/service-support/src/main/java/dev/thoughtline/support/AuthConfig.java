package dev.thoughtline.support;

import io.smallrye.config.ConfigMapping;

import java.util.List;
import java.util.Optional;

/** Access by bearer tokens ({@code thoughtline.auth.*}), as {@link BearerTokens} applies it. */
@ConfigMapping(prefix = "thoughtline.auth")
public interface AuthConfig {

    /** The tokens this service accepts on {@code /api/} (from the Secrets of its callers); none: access is open. */
    Optional<List<String>> tokens();

    /** The token this service sends on its calls to the suite's other services, and to no one else. */
    Optional<String> token();
}
