package dev.thoughtline.generation.client;

import java.util.List;
import java.util.Map;

/**
 * One chat completion to ask for: the messages, {@code n} samples, and sampling parameters passed through as
 * given ({@code temperature}, {@code top_p}, {@code max_tokens}, {@code seed}, ...).
 */
public record ChatRequest(List<Message> messages, int n, Map<String, Object> params) {

    /** A chat message: {@code system}, {@code user} or {@code assistant}. */
    public record Message(String role, String content) {
    }

    public static ChatRequest user(String systemPrompt, String prompt, int n, Map<String, Object> params) {
        List<Message> m = systemPrompt == null ? List.of(new Message("user", prompt))
                : List.of(new Message("system", systemPrompt), new Message("user", prompt));
        return new ChatRequest(m, n, params == null ? Map.of() : params);
    }
}
