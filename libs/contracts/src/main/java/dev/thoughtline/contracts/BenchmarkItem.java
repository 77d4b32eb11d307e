package dev.thoughtline.contracts;

import java.util.Map;

/** An item of a benchmark dataset: a question with its gold answer. */
public record BenchmarkItem(
        String id,
        String text,
        String answer,
        AnswerType answerType,
        Map<String, Object> metadata) {
}
