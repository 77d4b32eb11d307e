package dev.thoughtline.eval;

import dev.thoughtline.testing.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;

/** One embedded PostgreSQL and the real generation-service with its simulated teachers for every test (one boot). */
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(GenerationServiceResource.class)
@QuarkusTestResource(DatasetsServerResource.class)
public final class TestResources {

    private TestResources() {
    }
}
