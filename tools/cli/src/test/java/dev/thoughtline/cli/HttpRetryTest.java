package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CLI's calls while a service's replicas come and go behind its one address: a broken connection and a 502, 503
 * or 504 are tried again, a page that broke midway is read again without handing on an item twice, and anything
 * else, or a service that stays away past {@code --retry-for}, is the error it was.
 */
class HttpRetryTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void aRequestAnswered503OrCutOffIsSentAgainUntilAReplicaAnswers() {
        try (StubServer server = new StubServer()) {
            AtomicInteger calls = new AtomicInteger();
            server.on("/api/v1/jobs", ex -> {
                switch (calls.incrementAndGet()) {
                    case 1 -> StubServer.send(ex, 503, "application/problem+json", "{\"title\":\"shutting down\",\"status\":503}");
                    case 2 -> {
                        // the replica dies mid-answer: fewer bytes than announced, then the connection closes
                        ex.sendResponseHeaders(200, 1000);
                        ex.getResponseBody().write("{\"id\":".getBytes(StandardCharsets.UTF_8));
                        ex.getResponseBody().flush();
                        throw new IOException("killed");
                    }
                    case 3 -> StubServer.send(ex, 502, "text/plain", "bad gateway");
                    default -> StubServer.send(ex, 201, "application/json", "{\"id\":7}");
                }
            });
            Http http = new Http(MAPPER, null, Duration.ofSeconds(30));

            Http.Reply reply = http.post(server.origin() + "/api/v1/jobs", MAPPER.createObjectNode().put("name", "j"));

            assertThat(reply.status()).isEqualTo(201);
            assertThat(reply.body().path("id").asLong()).isEqualTo(7);
            assertThat(server.seen("/api/v1/jobs")).hasSize(4);
        }
    }

    @Test
    void aPageThatBreaksMidwayIsReadAgainAndNoItemIsHandedOnTwice() {
        try (StubServer server = new StubServer()) {
            List<String> lines = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                lines.add("{\"id\":" + i + "}");
            }
            AtomicInteger firstPage = new AtomicInteger();
            String ref = server.dataset("d", "traces", 5, ex -> {
                boolean first = !StubServer.query(ex).containsKey("after");
                if (first && firstPage.incrementAndGet() == 1) {
                    // three items of the page, then the replica is gone
                    ex.sendResponseHeaders(200, 10_000);
                    OutputStream out = ex.getResponseBody();
                    out.write((String.join("\n", lines.subList(0, 3)) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    throw new IOException("killed");
                }
                int from = first ? 0 : 3;
                int to = first ? 3 : 5;
                if (first) {
                    ex.getResponseHeaders().add("Link", "<" + server.ref("d") + "/items?after=3&limit=1000>; rel=\"next\"");
                }
                StubServer.send(ex, 200, "application/x-ndjson", String.join("\n", lines.subList(from, to)) + "\n");
            });
            List<Long> ids = new ArrayList<>();

            new Http(MAPPER, null, Duration.ofSeconds(30)).items(ref, item -> ids.add(item.path("id").asLong()));

            assertThat(ids).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(firstPage).hasValue(2);
        }
    }

    @Test
    void aRefusalIsNotTriedAgain() {
        try (StubServer server = new StubServer()) {
            server.on("/api/v1/jobs/1", ex -> StubServer.send(ex, 404, "application/problem+json",
                    "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no job 1\"}"));
            Http http = new Http(MAPPER, null, Duration.ofSeconds(30));

            assertThatThrownBy(() -> http.get(server.origin() + "/api/v1/jobs/1")).isInstanceOf(CliException.class).hasMessageContaining("404: no job 1");
            assertThat(server.seen("/api/v1/jobs/1")).hasSize(1);
        }
    }

    @Test
    void aServiceThatStaysAwayIsAnErrorOnceTheRetriesAreOver() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://localhost:" + port + "/api/v1/jobs";

        long start = System.nanoTime();
        assertThatThrownBy(() -> new Http(MAPPER, null, Duration.ofSeconds(2)).get(url)).isInstanceOf(CliException.class)
                .hasMessageContaining("cannot reach the service").hasMessageContaining("after 2 s of retries");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));

        assertThatThrownBy(() -> new Http(MAPPER, null, Duration.ZERO).get(url)).isInstanceOf(CliException.class)
                .hasMessageContaining("cannot reach the service").hasMessageNotContaining("retries");
    }
}
