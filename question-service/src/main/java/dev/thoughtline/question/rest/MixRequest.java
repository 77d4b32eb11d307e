package dev.thoughtline.question.rest;

import java.util.List;

/**
 * Makes an immutable question dataset from sources.
 * <ul>
 *   <li>{@code components}: sources by name or id, each with a {@code count} (exactly that many) or a
 *   {@code weight} (a share of what {@code size} leaves after the counts);</li>
 *   <li>{@code topN}: instead of counts and weights, keep the N sources with the highest quality among
 *   the components (or among all sources when none are listed), in equal shares of {@code size};</li>
 *   <li>{@code seed}: the same seed over the same questions picks the same ids (default 0).</li>
 * </ul>
 */
public record MixRequest(String name, List<Component> components, Long size, Long seed, Integer topN) {

    /** One source of a mix; {@code source} is its name or its id. */
    public record Component(String source, Long count, Double weight) {
    }
}
