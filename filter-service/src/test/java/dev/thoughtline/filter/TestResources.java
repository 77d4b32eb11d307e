package dev.thoughtline.filter;

import dev.thoughtline.testing.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;

/**
 * One embedded PostgreSQL for every test of this module, and the real generation-service for LLM steps (one
 * application boot).
 */
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(GenerationServiceResource.class)
public final class TestResources {

    private TestResources() {
    }
}
