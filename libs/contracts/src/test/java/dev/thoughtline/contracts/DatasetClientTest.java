package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against a real HTTP server that serves the contract, with failures injected. */
class DatasetClientTest {

    private static final int ITEMS = 25;

    private HttpServer server;
    private final AtomicInteger pageRequests = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 503;
    private String base;
    private final List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/datasets/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        if (path.startsWith("/api/v1/datasets/hostile")) {
            hostile(ex, path);
            return;
        }
        if (path.endsWith("/items")) {
            pageRequests.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                send(ex, failureStatus, "{\"title\":\"try later\"}", Map.of());
                return;
            }
            if (!path.startsWith("/api/v1/datasets/7/")) {
                send(ex, 404, "{\"title\":\"Not found\",\"detail\":\"dataset does not exist\"}", Map.of());
                return;
            }
            Map<String, String> q = query(ex.getRequestURI());
            int after = Integer.parseInt(q.getOrDefault("after", "0"));
            int limit = Integer.parseInt(q.get("limit"));
            StringBuilder sb = new StringBuilder();
            int last = Math.min(ITEMS, after + limit);
            for (int i = after + 1; i <= last; i++) {
                sb.append("{\"id\":\"").append(i).append("\",\"text\":\"q").append(i).append("\"}\n");
            }
            Map<String, String> headers = last < ITEMS
                    ? Map.of("Link", "<items?after=" + last + "&limit=" + limit + ">; rel=\"next\"") : Map.of();
            send(ex, 200, sb.toString(), headers);
        } else {
            send(ex, 200, "{\"id\":\"7\",\"kind\":\"question\",\"status\":\"complete\",\"itemCount\":25,\"parents\":[],"
                    + "\"recipe\":{},\"createdAt\":\"2026-01-01T00:00:00Z\"}", Map.of());
        }
    }

    /** Pages a hostile server answers: too large, too many items, a link elsewhere, an error body with junk. */
    private void hostile(HttpExchange ex, String path) throws IOException {
        switch (path.substring("/api/v1/datasets/hostile-".length())) {
            case "huge/items" -> {
                // a 100 MB page, streamed: the client must stop reading long before the end
                ex.getResponseHeaders().add("Content-Type", Ndjson.MEDIA_TYPE);
                ex.sendResponseHeaders(200, 0);
                byte[] line = ("{\"id\":\"x\",\"text\":\"" + "a".repeat(1000) + "\"}\n").getBytes(StandardCharsets.UTF_8);
                try (var out = ex.getResponseBody()) {
                    for (int i = 0; i < 100_000; i++) {
                        out.write(line);
                    }
                } catch (IOException clientWentAway) {
                    // what the client should do
                }
                ex.close();
            }
            case "many/items" -> {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 50; i++) {
                    sb.append("{\"id\":\"").append(i).append("\"}\n");
                }
                send(ex, 200, sb.toString(), Map.of());
            }
            case "elsewhere/items" -> send(ex, 200, "{\"id\":\"1\"}\n", Map.of("Link", "<http://127.0.0.2:" + server.getAddress().getPort()
                    + "/api/v1/datasets/7/items?after=1&limit=10>; rel=\"next\""));
            case "junk/items" -> send(ex, 400, "\u001b[31mSECRET-LINE-1\nline two " + "x".repeat(5000), Map.of());
            default -> send(ex, 404, "{}", Map.of());
        }
    }

    private static Map<String, String> query(URI uri) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>();
        for (String kv : uri.getRawQuery().split("&")) {
            String[] p = kv.split("=", 2);
            m.put(p[0], p[1]);
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private DatasetClient client(int pageSize) {
        return new DatasetClient(HttpClient.newHttpClient(), Json.newMapper(), DatasetClient.Options.defaults()
                .withPageSize(pageSize).withRetries(4, Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    @Test
    void streamsEveryItemOnceAcrossPagesFollowingLinks() {
        List<JsonNode> items = client(10).items(DatasetRef.of(base + "/api/v1/datasets/7"))
                .collect().asList().await().atMost(Duration.ofSeconds(10));
        assertThat(items).extracting(n -> n.get("id").asText())
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, ITEMS).mapToObj(Integer::toString).toList());
        assertThat(pageRequests.get()).isEqualTo(3);
    }

    @Test
    void retriesAPageThatFailsWithA5xx() {
        failuresLeft.set(2);
        List<JsonNode> items = client(10).items(DatasetRef.of(base + "/api/v1/datasets/7"))
                .collect().asList().await().atMost(Duration.ofSeconds(10));
        assertThat(items).hasSize(ITEMS);
        assertThat(pageRequests.get()).isEqualTo(5);
    }

    @Test
    void givesUpAfterTheLastAttempt() {
        failuresLeft.set(100);
        assertThatThrownBy(() -> client(10).items(DatasetRef.of(base + "/api/v1/datasets/7"))
                .collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(DatasetClientException.class).hasMessageContaining("503");
        assertThat(pageRequests.get()).isEqualTo(4);
    }

    @Test
    void doesNotRetryAClientErrorAndKeepsTheServersMessage() {
        assertThatThrownBy(() -> client(10).items(DatasetRef.of(base + "/api/v1/datasets/8"))
                .collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(DatasetClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("dataset does not exist");
                });
        assertThat(pageRequests.get()).isEqualTo(1);
    }

    @Test
    void fetchesOnlyThePagesTheSubscriberAsksFor() {
        List<JsonNode> first = client(10).items(DatasetRef.of(base + "/api/v1/datasets/7"))
                .select().first(5).collect().asList().await().atMost(Duration.ofSeconds(10));
        assertThat(first).hasSize(5);
        assertThat(pageRequests.get()).isEqualTo(1);
    }

    private DatasetClient client(OutboundPolicy policy) {
        return new DatasetClient(HttpClient.newHttpClient(), Json.newMapper(), DatasetClient.Options.defaults()
                .withPageSize(10).withRetries(3, Duration.ofMillis(10), Duration.ofMillis(50))
                .withPolicy(policy, () -> Map.of("Authorization", "Bearer service-token")).withMaxPageBytes(1 << 20));
    }

    @Test
    void sendsTheServiceTokenToTheSuitesOwnOriginsOnly() {
        OutboundPolicy suite = OutboundPolicy.of(List.of(base), List.of(), List.of(), true, false);
        client(suite).items(DatasetRef.of(base + "/api/v1/datasets/7")).collect().asList().await().atMost(Duration.ofSeconds(10));
        assertThat(authorizations).isNotEmpty().allMatch("Bearer service-token"::equals);

        authorizations.clear();
        OutboundPolicy elsewhere = OutboundPolicy.of(List.of("http://question-service:8080"), List.of(), List.of(), true, false);
        client(elsewhere).items(DatasetRef.of(base + "/api/v1/datasets/7")).collect().asList().await().atMost(Duration.ofSeconds(10));
        client(elsewhere).info(DatasetRef.of(base + "/api/v1/datasets/7")).await().atMost(Duration.ofSeconds(10));
        assertThat(authorizations).hasSize(4).allMatch("null"::equals);
    }

    @Test
    void refusesLoopbackUnderTheProdPolicyWithoutSendingAnything() {
        OutboundPolicy prod = OutboundPolicy.of(List.of("http://question-service:8080"), List.of(), List.of(), false, false);
        assertThatThrownBy(() -> client(prod).items(DatasetRef.of(base + "/api/v1/datasets/7")).collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(DatasetClientException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("private or loopback");
                });
        assertThatThrownBy(() -> client(prod).info(DatasetRef.of("http://169.254.169.254/latest/meta-data")).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(DatasetClientException.class).hasMessageContaining("metadata");
        assertThat(pageRequests.get()).isZero();
        assertThat(authorizations).isEmpty();
    }

    @Test
    void refusesAPageLargerThanItsBudgetWithoutReadingItAll() {
        assertThatThrownBy(() -> client(OutboundPolicy.permissive()).items(DatasetRef.of(base + "/api/v1/datasets/hostile-huge"))
                .collect().asList().await().atMost(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(DatasetClientException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("more than 1048576 bytes");
                });
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void refusesAPageWithMoreItemsThanAsked() {
        assertThatThrownBy(() -> client(OutboundPolicy.permissive()).items(DatasetRef.of(base + "/api/v1/datasets/hostile-many"))
                .collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(DatasetClientException.class).hasMessageContaining("more than the 10 items asked");
    }

    @Test
    void followsNextLinksOnTheSameOriginOnly() {
        assertThatThrownBy(() -> client(OutboundPolicy.permissive()).items(DatasetRef.of(base + "/api/v1/datasets/hostile-elsewhere"))
                .collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(DatasetClientException.class).hasMessageContaining("another origin");
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void echoesOnlyAShortSanitisedExcerptOfAnOutsideErrorBody() {
        assertThatThrownBy(() -> client(OutboundPolicy.permissive()).items(DatasetRef.of(base + "/api/v1/datasets/hostile-junk"))
                .collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(DatasetClientException.class, e -> {
                    assertThat(e.getMessage()).contains("answered 400").contains("SECRET-LINE-1 line two")
                            .doesNotContain("\n").doesNotContain("\u001b").hasSizeLessThan(400);
                });
    }

    @Test
    void readsTheDatasetDescription() {
        DatasetInfo info = client(10).info(DatasetRef.of(base + "/api/v1/datasets/7")).await().atMost(Duration.ofSeconds(10));
        assertThat(info.kind()).isEqualTo(DatasetKind.QUESTION);
        assertThat(info.status()).isEqualTo(DatasetStatus.COMPLETE);
        assertThat(info.itemCount()).isEqualTo(25);
    }
}
