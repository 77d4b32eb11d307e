package dev.thoughtline.eval;

import java.time.OffsetDateTime;

/** A stored benchmark; {@code origin} says where its items came from (JSON), {@code spec} the built-in spec or null. */
public record Benchmark(long id, String name, String spec, String answerType, int repeats, String promptTemplate, String origin,
                        int itemCount, OffsetDateTime createdAt) {
}
