package dev.thoughtline.filter;

import dev.thoughtline.testing.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;

/** One embedded PostgreSQL for every test of this module (one application boot). */
@QuarkusTestResource(EmbeddedPostgresResource.class)
public final class TestResources {

    private TestResources() {
    }
}
