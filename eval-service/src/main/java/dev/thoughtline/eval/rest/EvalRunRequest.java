package dev.thoughtline.eval.rest;

import java.util.List;

/**
 * An eval run: {@code model} on {@code benchmarks} (names), each sampled {@code repeats} times (default: the
 * benchmark's own). Without a name, one is derived from the request, so the same request again is the same run.
 */
public record EvalRunRequest(String name, String model, List<String> benchmarks, Integer repeats, Double temperature,
                             Integer maxTokens, Long seed) {
}
