package dev.thoughtline.eval.service;

import dev.thoughtline.contracts.AnswerType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a benchmark is run and scored: how answers compare, how many repeats by default, the prompt. The built-in
 * specs are those of the published evaluations; a benchmark without a spec gives these fields itself.
 */
public record BenchmarkSpec(String name, AnswerType answerType, int repeats, String promptTemplate, String description) {

    /** The math prompt of the published evaluations: reason, then the answer in a box. */
    public static final String MATH_PROMPT = "{{text}}\n\nPlease reason step by step, and put your final answer within \\boxed{}.";

    public static final String CHOICE_PROMPT = "{{text}}\n\nPlease reason step by step, and put the letter of the correct choice "
            + "alone within \\boxed{} (for example \\boxed{A}).";

    public static final Map<String, BenchmarkSpec> BUILT_IN;

    static {
        Map<String, BenchmarkSpec> m = new LinkedHashMap<>();
        m.put("aime24", new BenchmarkSpec("aime24", AnswerType.INTEGER, 10, MATH_PROMPT, "AIME 2024 I and II, 30 problems, integer answers 0-999"));
        m.put("aime25", new BenchmarkSpec("aime25", AnswerType.INTEGER, 10, MATH_PROMPT, "AIME 2025 I and II, 30 problems, integer answers 0-999"));
        m.put("amc23", new BenchmarkSpec("amc23", AnswerType.INTEGER, 10, MATH_PROMPT, "AMC 2023, 40 problems"));
        m.put("math500", new BenchmarkSpec("math500", AnswerType.EXPRESSION, 1, MATH_PROMPT, "MATH500: 500 problems of the MATH test set"));
        m.put("hmmt-feb25", new BenchmarkSpec("hmmt-feb25", AnswerType.EXPRESSION, 10, MATH_PROMPT, "HMMT February 2025, 30 problems"));
        m.put("gpqa-diamond", new BenchmarkSpec("gpqa-diamond", AnswerType.CHOICE, 3, CHOICE_PROMPT,
                "GPQA Diamond: 198 graduate-level multiple-choice science questions, choices shuffled per question"));
        BUILT_IN = Map.copyOf(m);
    }

    public static BenchmarkSpec builtIn(String name) {
        return BUILT_IN.get(name);
    }
}
