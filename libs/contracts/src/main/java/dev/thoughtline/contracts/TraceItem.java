package dev.thoughtline.contracts;

import java.util.Map;

/**
 * An item of a trace dataset: one sample of a teacher's answer to one question.
 *
 * @param text          the question as it was asked
 * @param reasoning     the reasoning trace ({@code reasoning_content} or the {@code <think>} block)
 * @param content       the answer after the reasoning
 * @param finalAnswer   the extracted final answer, or null
 * @param finishReason  {@code stop}, {@code length}, ...
 */
public record TraceItem(
        String id,
        String questionId,
        String text,
        String teacher,
        String model,
        int sampleIndex,
        String reasoning,
        String content,
        String finalAnswer,
        String finishReason,
        long promptTokens,
        long completionTokens,
        long latencyMs,
        Map<String, Object> metadata) {
}
