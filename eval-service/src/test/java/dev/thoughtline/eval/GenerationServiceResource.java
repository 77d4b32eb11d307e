package dev.thoughtline.eval;

import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.GenerationServiceProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The real generation-service and three simulated model endpoints: a strong one (right with probability
 * {@link #STRONG}), a weak one ({@link #WEAK}) and one whose every request fails with a 500. When the
 * generation-service jar is not built, nothing starts and the tests that need it skip.
 */
public class GenerationServiceResource implements QuarkusTestResourceLifecycleManager {

    static final double STRONG = 0.7;
    static final double WEAK = 0.3;

    static volatile String url;
    static volatile String strongUrl;
    static volatile String weakUrl;
    static volatile String brokenUrl;

    private GenerationServiceProcess generation;
    private TeacherSim strong;
    private TeacherSim weak;
    private TeacherSim broken;

    @Override
    public Map<String, String> start() {
        generation = GenerationServiceProcess.startIfBuilt(Map.of("THOUGHTLINE_BREAKER_FAILURE_THRESHOLD", "3"));
        if (generation == null) {
            return Map.of();
        }
        SimConfig base = SimConfig.defaults().with("tokens-mean", 40).with("tokens-sd", 10);
        strong = TeacherSim.start(base.with("accuracy", STRONG).with("seed", 1).with("model", "strong-sim"));
        weak = TeacherSim.start(base.with("accuracy", WEAK).with("seed", 2).with("model", "weak-sim"));
        broken = TeacherSim.start(base.with("rate-500", 1.0).with("model", "broken-sim"));
        url = generation.url();
        strongUrl = strong.baseUrl();
        weakUrl = weak.baseUrl();
        brokenUrl = broken.baseUrl();
        return Map.of("thoughtline.generation-url", url);
    }

    @Override
    public void stop() {
        if (generation != null) {
            generation.close();
            generation = null;
        }
        for (TeacherSim s : new TeacherSim[]{strong, weak, broken}) {
            if (s != null) {
                s.close();
            }
        }
        strong = weak = broken = null;
    }
}
