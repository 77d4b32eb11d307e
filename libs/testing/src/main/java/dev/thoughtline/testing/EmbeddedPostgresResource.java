package dev.thoughtline.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts a {@link LocalPostgres} for a {@code @QuarkusTest} and hands its URL and credentials to Quarkus.
 * Use with {@code @QuarkusTestResource(EmbeddedPostgresResource.class)}; it lives as long as the
 * application under test.
 */
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {

    private LocalPostgres pg;

    @Override
    public Map<String, String> start() {
        pg = LocalPostgres.start();
        return pg.quarkusConfig();
    }

    @Override
    public void stop() {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }
}
