package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The four services as users run them: their packaged jars as processes with a 256 MB heap, each on its own
 * database of one embedded PostgreSQL, access by bearer tokens on, and the production outbound policy (private and
 * loopback addresses refused, except the origins a test allows). For the tests that attack or fuzz the suite from
 * outside; {@link #assumeBuilt()} skips them when a jar is not built.
 */
final class PackagedSuite implements AutoCloseable {

    static final String[] SERVICES = {"question-service", "generation-service", "filter-service", "eval-service"};
    static final String TOKEN = "s3cret-token";
    static final String OTHER_TOKEN = "another-one";
    static final ObjectMapper JSON = new ObjectMapper();

    private final LocalPostgres pg;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, String> urls = new LinkedHashMap<>();
    private final Map<String, Path> logs = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private PackagedSuite(LocalPostgres pg) {
        this.pg = pg;
    }

    static Path jar(String service) {
        return Path.of("..", "..", service, "target", "quarkus-app", "quarkus-run.jar");
    }

    /** Skips the calling test class unless every service's jar is built. */
    static void assumeBuilt() {
        for (String s : SERVICES) {
            Assumptions.assumeTrue(Files.isRegularFile(jar(s)), s + " is not built");
        }
    }

    /**
     * Starts the four services. {@code allow} are the origins of the test's own servers that the services may call
     * although they are on loopback (nothing else private is allowed); {@code extra} adds environment variables per
     * service; logs go to {@code target/NAME-SERVICE.log}.
     */
    static PackagedSuite start(String name, List<String> allow, Map<String, Map<String, String>> extra) {
        assumeBuilt();
        PackagedSuite suite = new PackagedSuite(LocalPostgres.start());
        try {
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (String s : SERVICES) {
                suite.pg.createDatabase(s.replace("-service", ""));
                ports.put(s, QuarkusProcess.freePort());
            }
            String suiteOrigins = String.join(",", ports.values().stream().map(p -> "http://localhost:" + p).toList());
            for (String s : SERVICES) {
                Map<String, String> env = new LinkedHashMap<>();
                env.put("QUARKUS_DATASOURCE_REACTIVE_URL", suite.pg.reactiveUrl(s.replace("-service", "")));
                env.put("THOUGHTLINE_GENERATION_URL", "http://localhost:" + ports.get("generation-service"));
                env.put("THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms");
                env.put("THOUGHTLINE_AUTH_TOKENS", TOKEN + "," + OTHER_TOKEN);
                env.put("THOUGHTLINE_AUTH_TOKEN", TOKEN);
                // the production policy: the suite by its origins, the test's servers by theirs, nothing else private
                env.put("THOUGHTLINE_OUTBOUND_SUITE", suiteOrigins);
                env.put("THOUGHTLINE_OUTBOUND_ALLOW", String.join(",", allow));
                env.putAll(extra.getOrDefault(s, Map.of()));
                Path log = Path.of("target", name + "-" + s + ".log");
                suite.logs.put(s, log);
                suite.processes.put(s, QuarkusProcess.start(jar(s), ports.get(s), suite.pg, env, log, "256m"));
                suite.urls.put(s, "http://localhost:" + ports.get(s));
            }
            for (String s : SERVICES) {
                QuarkusProcess.awaitReady(suite.urls.get(s), suite.processes.get(s), Duration.ofSeconds(120));
            }
            return suite;
        } catch (IOException | RuntimeException e) {
            suite.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String url(String service) {
        return urls.get(service);
    }

    int postgresPort() {
        return pg.port();
    }

    boolean alive(String service) {
        return processes.get(service).isAlive();
    }

    String log(String service) {
        try {
            return Files.readString(logs.get(service), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpClient http() {
        return http;
    }

    /** A request to {@code service} with the token, {@code path} under its origin. */
    HttpRequest.Builder request(String service, String path) {
        return HttpRequest.newBuilder(URI.create(urls.get(service) + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN);
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String service, String path) {
        return send(request(service, path).GET().build());
    }

    HttpResponse<String> post(String service, String path, String json) {
        return send(request(service, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> post(String service, String path, Object body) {
        return post(service, path, toJson(body));
    }

    /** The JSON of a 2xx answer; fails with the answer otherwise. */
    JsonNode ok(HttpResponse<String> r) {
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        return tree(r.body());
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code GET path} until its JSON satisfies {@code done}; returns that JSON. */
    JsonNode await(String service, String path, Predicate<JsonNode> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = ok(get(service, path));
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError(service + " " + path + " did not get there in " + timeout + "; last: " + last);
    }

    /** Polls until a run's {@code status} is no longer {@code running}. */
    JsonNode settled(String service, String path, Duration timeout) {
        return await(service, path, n -> !"running".equals(n.path("status").asText()), timeout);
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pg.close();
    }
}
