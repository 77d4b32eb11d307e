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

    /** A port nobody listens on now, and that this JVM has not handed out before. */
    public static int freePort() throws IOException {
        // Below the ephemeral range: a port the OS hands out for bind(0) or for an outgoing connection (a proxy
        // started after this call, a client's socket) could otherwise be this one before the process binds it.
        int low = ephemeralLow();
        if (low > FIRST_PORT + 1000) {
            for (int i = 0; i < 100; i++) {
                int port = FIRST_PORT + RANDOM.nextInt(low - FIRST_PORT);
                // never the same twice in this JVM: a port handed out may not be bound yet
                if (!HANDED_OUT.add(port)) {
                    continue;
                }
                try (ServerSocket s = new ServerSocket(port)) {
                    return s.getLocalPort();
                } catch (IOException taken) {
                    // another
                }
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static final int FIRST_PORT = 20_000;
    private static final java.util.Random RANDOM = new java.util.Random();
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The first port of Linux's ephemeral range, or 0 where it cannot be read. */
    private static int ephemeralLow() {
        try {
            String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
