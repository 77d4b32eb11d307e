package dev.thoughtline.generation.client;

import java.util.List;

/**
 * What a teacher answered to one request: a choice per sample ({@code n}), the tokens it counted, and how
 * long it took (to the first byte of an answer, and in all).
 */
public record Completion(List<Choice> choices, long promptTokens, long completionTokens, long firstTokenMs, long latencyMs) {

    /**
     * One sample: the reasoning (from {@code reasoning_content}, or the {@code <think>} block at the start of
     * the content), the content after it, and why it ended ({@code stop}, {@code length}, ...).
     */
    public record Choice(int index, String reasoning, String content, String finishReason) {
    }
}
