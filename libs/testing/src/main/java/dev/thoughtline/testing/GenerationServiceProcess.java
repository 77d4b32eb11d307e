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
 * when the jar is not there (a build that did not package generation-service), so those tests can skip. It can be
 * killed with SIGKILL and started again on the same port and database, as a replica that crashed and came back.
 */
public final class GenerationServiceProcess implements AutoCloseable {

    private static final Path JAR = Path.of("..", "generation-service", "target", "quarkus-app", "quarkus-run.jar");
    private static final Path LOG = Path.of("target", "generation-service.log");

    private final LocalPostgres pg;
    private final int port;
    private final Map<String, String> env;
    private final String url;
    private volatile Process process;
    private int starts = 1;

    private GenerationServiceProcess(LocalPostgres pg, int port, Map<String, String> env, Process process) {
        this.pg = pg;
        this.port = port;
        this.env = env;
        this.process = process;
        this.url = "http://localhost:" + port;
    }

    /**
     * Starts {@code ../generation-service/target/quarkus-app/quarkus-run.jar} (relative to the calling module) with
     * a short worker poll interval plus {@code env}, logging to {@code target/generation-service.log}.
     */
    public static GenerationServiceProcess startIfBuilt(Map<String, String> env) {
        if (!Files.isRegularFile(JAR)) {
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
            process = QuarkusProcess.start(JAR, port, pg, all, LOG, "256m");
            GenerationServiceProcess started = new GenerationServiceProcess(pg, port, Map.copyOf(all), process);
            QuarkusProcess.awaitReady(started.url, process, Duration.ofSeconds(60));
            return started;
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

    /** SIGKILL, as a crash or an evicted pod: no shutdown hook runs, connections break, leases stay behind. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing generation-service");
        }
    }

    /** Starts it again on the same port and database with the same settings (after {@link #kill}), and waits until it is ready. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("generation-service is still running: kill it first");
        }
        try {
            // a log per start: the killed process's log shows what it did last
            process = QuarkusProcess.start(JAR, port, pg, env, LOG.resolveSibling("generation-service-" + (++starts) + ".log"), "256m");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start generation-service again", e);
        }
        QuarkusProcess.awaitReady(url, process, Duration.ofSeconds(60));
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
