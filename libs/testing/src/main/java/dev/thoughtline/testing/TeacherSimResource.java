package dev.thoughtline.testing;

import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Starts tools/teacher-sim in-process for a {@code @QuarkusTest} and hands its base URL to the application
 * as {@code thoughtline.test.teacher-url} (e.g. {@code http://localhost:PORT/v1}). Simulator settings come
 * from the resource's init args ({@code @QuarkusTestResource(value = TeacherSimResource.class,
 * initArgs = @ResourceArg(name = "itl-ms", value = "5"))}); {@link #current()} gives tests the running
 * simulator, to read its counters.
 */
public class TeacherSimResource implements QuarkusTestResourceLifecycleManager {

    private static volatile TeacherSim current;
    private final Map<String, String> settings = new HashMap<>();

    @Override
    public void init(Map<String, String> initArgs) {
        settings.putAll(initArgs);
    }

    @Override
    public Map<String, String> start() {
        current = TeacherSim.start(SimConfig.defaults().with(settings));
        return Map.of("thoughtline.test.teacher-url", current.baseUrl());
    }

    @Override
    public void stop() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    /** The simulator of the running test application. */
    public static TeacherSim current() {
        if (current == null) {
            throw new IllegalStateException("no teacher-sim is running: is TeacherSimResource on the test?");
        }
        return current;
    }
}
