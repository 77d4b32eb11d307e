package dev.thoughtline.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The real generation-service for the tests of the services that call it: its packaged jar (built by the reactor
 * before them) as a process of its own, on an embedded PostgreSQL of its own. {@link #startIfBuilt} answers null
 * when the jar is not there (a build that did not package generation-service), so those tests can skip.
 */
public final class GenerationServiceProcess implements AutoCloseable {

    private final LocalPostgres pg;
    private final Process process;
    private final String url;

    private GenerationServiceProcess(LocalPostgres pg, Process process, String url) {
        this.pg = pg;
        this.process = process;
        this.url = url;
    }

    /**
     * Starts {@code ../generation-service/target/quarkus-app/quarkus-run.jar} (relative to the calling module) with
     * a short worker poll interval plus {@code env}, logging to {@code target/generation-service.log}.
     */
    public static GenerationServiceProcess startIfBuilt(Map<String, String> env) {
        Path jar = Path.of("..", "generation-service", "target", "quarkus-app", "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        LocalPostgres pg = null;
        Process process = null;
        try {
            pg = LocalPostgres.start();
            int port = QuarkusProcess.freePort();
            Map<String, String> all = new HashMap<>();
            all.put("THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms");
            // the calling service under test, its inputs and teacher-sim all run on loopback, on ports chosen later
            all.put("THOUGHTLINE_OUTBOUND_PRIVATE", "allow");
            all.putAll(env);
            process = QuarkusProcess.start(jar, port, pg, all, Path.of("target", "generation-service.log"), "256m");
            String base = "http://localhost:" + port;
            QuarkusProcess.awaitReady(base, process, Duration.ofSeconds(60));
            return new GenerationServiceProcess(pg, process, base);
        } catch (IOException | RuntimeException e) {
            if (process != null) {
                process.destroy();
            }
            if (pg != null) {
                pg.close();
            }
            throw new IllegalStateException("cannot start generation-service", e);
        }
    }

    /** Its base URL, e.g. {@code http://localhost:41234}. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pg.close();
    }
}
