package dev.thoughtline.filter;

import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
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
            int port = QuarkusProcess.freePort();
            process = QuarkusProcess.start(jar, port, pg, Map.of("THOUGHTLINE_WORKER_POLL_INTERVAL", "50ms"),
                    Path.of("target", "generation-service.log"), "256m");
            String base = "http://localhost:" + port;
            QuarkusProcess.awaitReady(base, process, Duration.ofSeconds(60));
            url = base;
            simUrl = sim.baseUrl();
            model = SimConfig.defaults().model();
            return Map.of("thoughtline.generation-url", base);
        } catch (IOException | RuntimeException e) {
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
