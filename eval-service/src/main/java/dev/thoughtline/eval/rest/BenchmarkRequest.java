package dev.thoughtline.eval.rest;

import java.util.List;

/**
 * A benchmark to import from the Hugging Face datasets server. {@code spec} names a built-in spec (its answer type,
 * repeats and prompt apply unless given here); {@code fields} maps item fields to the rows' fields.
 */
public record BenchmarkRequest(String name, String spec, String answerType, Integer repeats, String promptTemplate,
                               Fields fields, HuggingFace huggingface) {

    /** Field names or dotted paths; {@code correct} and {@code incorrect} make shuffled multiple-choice items. */
    public record Fields(String id, String text, String answer, String correct, List<String> incorrect) {
    }

    /** Rows {@code offset} to {@code offset + limit} of a split; without a limit, all of them. */
    public record HuggingFace(String dataset, String config, String split, Long offset, Integer limit) {
    }
}
