package dev.thoughtline.testing;

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
 * A packaged Quarkus service ({@code target/quarkus-app/quarkus-run.jar}) as a process of its own, the way it runs
 * in production: on a given port, on a {@link LocalPostgres}, with more settings from the environment, its output
 * in a log file. For tests that kill a replica or need another service for real.
 */
public final class QuarkusProcess {

    private QuarkusProcess() {
    }

    /** Starts the jar with a heap of {@code heap} (e.g. {@code 256m}); {@code env} adds to the database settings. */
    public static Process start(Path jar, int port, LocalPostgres pg, Map<String, String> env, Path log, String heap) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "-jar", jar.toString());
        Map<String, String> e = pb.environment();
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        e.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
        e.put("QUARKUS_DATASOURCE_USERNAME", LocalPostgres.USER);
        e.put("QUARKUS_DATASOURCE_PASSWORD", LocalPostgres.PASSWORD);
        e.put("THOUGHTLINE_PUBLIC_URL", "http://localhost:" + port);
        e.putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Waits until {@code baseUrl/q/health/ready} answers 200; throws when the process dies or the time runs out. */
    public static void awaitReady(String baseUrl, Process process, Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + baseUrl);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + baseUrl);
            }
        }
        throw new IllegalStateException(baseUrl + (process.isAlive() ? " did not become ready in " + timeout : " exited while starting"));
    }

    /** A port nobody listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
