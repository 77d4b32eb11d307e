package dev.thoughtline.question;

import dev.thoughtline.testing.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;

/**
 * The resources every test of this module shares: one embedded PostgreSQL and one fake upstream for the
 * whole run (one application boot), so tests isolate themselves with unique names and texts.
 */
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(FakeUpstream.class)
public final class TestResources {

    private TestResources() {
    }
}
