package dev.thoughtline.generation.rest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /jobs}: ask {@code teacher} (its name) for {@code samplesPerItem} samples of every item of
 * {@code input}, with the prompt {@code promptTemplate} filled from each item ({@code {{text}}}).
 * {@code params} are OpenAI sampling parameters ({@code temperature}, {@code top_p}, {@code max_tokens},
 * {@code seed}, {@code stop}, ...) over the teacher's defaults; {@code maxTokens} and {@code topP} are accepted too.
 */
public record JobRequest(String name, String input, String teacher, Integer samplesPerItem, String promptTemplate,
                         String systemPrompt, JsonNode params) {
}
