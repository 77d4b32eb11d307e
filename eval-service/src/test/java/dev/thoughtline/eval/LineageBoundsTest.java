package dev.thoughtline.eval;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leaderboard reads lineage a caller registered with a model: a server that never answers, one whose dataset
 * has a thousand parents, one whose dataset is its own parent. The crawl stays within its bounds (the test profile's
 * budget is 3 s, 500 ms a description, 200 descriptions), marks what it could not read, and asks a server once for a complete dataset.
 */
@QuarkusTest
class LineageBoundsTest {

    private static HttpServer server;
    private static String base;
    private static final AtomicInteger requests = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lineage-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/api/v1/datasets/", LineageBoundsTest::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/datasets/";
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String id = ex.getRequestURI().getPath().substring("/api/v1/datasets/".length());
        StringBuilder parents = new StringBuilder();
        switch (id) {
            case "slow" -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case "wide" -> {
                for (int i = 0; i < 1000; i++) {
                    parents.append(i == 0 ? "" : ",").append('"').append(base).append("w").append(i).append('"');
                }
            }
            case "loop" -> parents.append('"').append(base).append("loop").append('"');
            default -> { }
        }
        byte[] body = ("{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"kind\":\"question\",\"status\":\"complete\",\"itemCount\":1,"
                + "\"parents\":[" + parents + "],\"recipe\":{},\"createdAt\":\"2026-12-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @Test
    void aHostileLineageIsReadWithinItsBoundsAndCached() {
        Assumptions.assumeTrue(GenerationServiceResource.url != null, "generation-service is not built: models need a teacher");
        Api.teacher("strong", GenerationServiceResource.strongUrl, "strong-sim");
        Api.model("hostile-lineage", "strong", base + "slow", base + "wide", base + "loop");

        JsonPath lb = given().get("/api/v1/leaderboard").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> lineage = lb.getList("models.find { it.model == 'hostile-lineage' }.lineage");
        assertThat(lineage).hasSizeLessThanOrEqualTo(200);
        assertThat(lineage).filteredOn(l -> l.get("dataset").equals(base + "slow"))
                .singleElement().satisfies(l -> assertThat((String) l.get("error")).contains("not read"));
        assertThat(lineage).filteredOn(l -> l.get("dataset").equals(base + "loop")).hasSize(1);
        assertThat(lineage).filteredOn(l -> l.get("dataset").equals(base + "wide")).hasSize(1);

        // complete datasets are not asked for again; the slow one is (it was never read)
        int before = requests.get();
        given().get("/api/v1/leaderboard").then().statusCode(200);
        assertThat(requests.get() - before).isLessThanOrEqualTo(1);
    }
}
