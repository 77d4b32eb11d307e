package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.filter.service.embedding.RemoteEmbedder;
import dev.thoughtline.support.Retries;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OpenAI-compatible embeddings client against a stand-in endpoint: what it retries and what it does not. */
@QuarkusTest
class RemoteEmbedderTest {

    static final Retries.Settings RETRY = new Retries.Settings(6, Duration.ofSeconds(30), Duration.ofMillis(20), Duration.ofMillis(200));
    static final String VECTORS = "{\"data\":[{\"index\":1,\"embedding\":[0,2]},{\"index\":0,\"embedding\":[3,4]}]}";

    private GenerationClientTest.Fake endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    void connectionErrorsRateLimitsAndServerErrorsAreRetriedAndRetryAfterIsWaited() {
        endpoint = new GenerationClientTest.Fake();
        endpoint.on("POST /v1/embeddings", GenerationClientTest.Fake.status(500, "{\"error\":{\"message\":\"CUDA out of memory\"}}"),
                GenerationClientTest.Fake.status(503, "loading"), GenerationClientTest.Fake.retryAfter(1),
                GenerationClientTest.Fake.status(200, VECTORS));
        List<float[]> vectors = new RemoteEmbedder(endpoint.url() + "/v1", "m", null, 64, new ObjectMapper(), RETRY).embed(List.of("a", "b"));

        assertThat(vectors.get(0)).containsExactly(0.6f, 0.8f);
        assertThat(vectors.get(1)).containsExactly(0f, 1f);
        assertThat(endpoint.requests()).hasSize(4);
        assertThat(endpoint.times().get(3) - endpoint.times().get(2)).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aRefusedRequestFailsAtOnceWithTheEndpointsMessage() {
        endpoint = new GenerationClientTest.Fake();
        endpoint.on("POST /v1/embeddings", GenerationClientTest.Fake.status(400, "{\"error\":{\"message\":\"input too long\"}}"));
        assertThatThrownBy(() -> new RemoteEmbedder(endpoint.url() + "/v1", "m", null, 64, new ObjectMapper(), RETRY).embed(List.of("a")))
                .hasMessageEndingWith("answered 400: input too long");
        assertThat(endpoint.requests()).hasSize(1);
    }

    @Test
    void anEndpointThatStaysDownFailsTheBatchOnceTheAttemptsRunOut() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> new RemoteEmbedder("http://localhost:" + port + "/v1", "m", null, 64, new ObjectMapper(), RETRY).embed(List.of("a")))
                .hasMessageContaining("cannot be reached").hasMessageContaining("gave up after 6 attempts");
    }
}
