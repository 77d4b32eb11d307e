package dev.thoughtline.filter;

import dev.thoughtline.testing.GenerationServiceProcess;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The real generation-service for LLM steps ({@link GenerationServiceProcess}), with teacher-sim as its teacher.
 * When its jar is not built, nothing starts and the LLM tests skip.
 */
public class GenerationServiceResource implements QuarkusTestResourceLifecycleManager {

    static volatile String url;
    static volatile String simUrl;
    static volatile String model;

    private GenerationServiceProcess generation;
    private TeacherSim sim;

    @Override
    public Map<String, String> start() {
        generation = GenerationServiceProcess.startIfBuilt(Map.of());
        if (generation == null) {
            return Map.of();
        }
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
        }
        if (sim != null) {
            sim.close();
            sim = null;
        }
    }
}
