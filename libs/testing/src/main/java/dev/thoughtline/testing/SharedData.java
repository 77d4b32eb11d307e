package dev.thoughtline.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the real data files that CI and developers have at {@code ../shared/data} beside the repository
 * (or where {@code THOUGHTLINE_SHARED_DATA} points). A user's clone has none: tests that read it use
 * {@code Assumptions.assumeTrue(SharedData.file(...).isPresent())} and skip.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The data directory, looked for from the working directory upwards. */
    public static Optional<Path> dir() {
        String env = System.getenv("THOUGHTLINE_SHARED_DATA");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path candidate : new Path[] {p.resolve("shared/data"), p.resolve("../shared/data")}) {
                if (Files.isDirectory(candidate.resolve("sources")) || Files.isDirectory(candidate.resolve("benchmarks"))) {
                    return Optional.of(candidate.normalize());
                }
            }
        }
        return Optional.empty();
    }

    /** A file under the data directory, e.g. {@code sources/gsm8k_test.jsonl}, when it is there. */
    public static Optional<Path> file(String relative) {
        return dir().map(d -> d.resolve(relative)).filter(Files::isRegularFile);
    }
}
