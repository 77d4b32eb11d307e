package dev.thoughtline.filter;

import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The real generation-service for LLM steps: its packaged jar (built by the reactor before this module) as a
 * process of its own, on an embedded PostgreSQL of its own, with teacher-sim as its teacher. When the jar is not
 * there (a build that did not package generation-service), nothing starts and the LLM tests skip.
 */
public class GenerationServiceResource implements QuarkusTestResourceLifecycleManager {

    static volatile String url;
    static volatile String simUrl;
    static volatile String model;

    private LocalPostgres pg;
    private TeacherSim sim;
    private Process process;

    @Override
    public Map<String, String> start() {
        Path jar = Path.of("..", "generation-service", "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            return Map.of();
        }
        try {
            pg = LocalPostgres.start();
            sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 5));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(Path.of("target", "generation-service.log").toFile());
            Map<String, String> env = pb.environment();
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
            env.put("QUARKUS_DATASOURCE_USERNAME", LocalPostgres.USER);
            env.put("QUARKUS_DATASOURCE_PASSWORD", LocalPostgres.PASSWORD);
            env.put("THOUGHTLINE_PUBLIC_URL", "http://localhost:" + port);
            env.put("THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms");
            process = pb.start();
            String base = "http://localhost:" + port;
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("generation-service did not start; see target/generation-service.log");
                }
                Thread.sleep(200);
            }
            url = base;
            simUrl = sim.baseUrl();
            model = SimConfig.defaults().model();
            return Map.of("thoughtline.generation-url", base);
        } catch (IOException | InterruptedException e) {
            stop();
            throw new IllegalStateException("cannot start generation-service", e);
        }
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (sim != null) {
            sim.close();
            sim = null;
        }
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }
}
