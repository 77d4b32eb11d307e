package dev.thoughtline.filter;

import dev.thoughtline.testing.GenerationServiceProcess;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The real generation-service for LLM steps ({@link GenerationServiceProcess}), with teacher-sim as its teacher.
 * When its jar is not built, nothing starts and the LLM tests skip. {@link GenerationRestartTest} kills it and starts
 * it again on the same port and database.
 */
public class GenerationServiceResource implements QuarkusTestResourceLifecycleManager {

    static volatile GenerationServiceProcess process;
    static volatile String url;
    static volatile String simUrl;
    static volatile String model;

    private GenerationServiceProcess generation;
    private TeacherSim sim;

    @Override
    public Map<String, String> start() {
        // short leases: what a killed process held (samples in flight, a job's loading) is taken up soon after it is back
        generation = GenerationServiceProcess.startIfBuilt(Map.of("THOUGHTLINE_WORKER_LEASE", "4s", "THOUGHTLINE_JOBS_LOADER_STALE_AFTER", "5s"));
        if (generation == null) {
            return Map.of();
        }
        process = generation;
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 5));
        url = generation.url();
        simUrl = sim.baseUrl();
        model = SimConfig.defaults().model();
        return Map.of("thoughtline.generation-url", url);
    }

    @Override
    public void stop() {
        if (generation != null) {
            generation.close();
            generation = null;
            process = null;
        }
        if (sim != null) {
            sim.close();
            sim = null;
        }
    }
}
