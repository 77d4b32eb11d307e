package dev.thoughtline.filter;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An input item during a run: its position in the input, the upstream item unchanged, and what the steps said
 * about it so far. Mutable, owned by the one thread that runs the steps.
 */
public final class Item {

    public final long pos;
    public final String id;
    public final JsonNode node;
    public final Map<String, Double> scores = new LinkedHashMap<>();
    public final Map<String, String> reasons = new LinkedHashMap<>();
    /** Extra findings of a step worth keeping with the verdict (a majority step's pseudo-label). */
    public final Map<String, JsonNode> findings = new LinkedHashMap<>();
    /** The step that dropped it; null while it is kept. */
    public String droppedBy;

    public Item(long pos, JsonNode node) {
        this.pos = pos;
        this.node = node;
        this.id = node.path("id").asText();
    }

    public boolean kept() {
        return droppedBy == null;
    }

    /** The text a question step reads: the question's {@code text}. */
    public String text() {
        return node.path("text").asText("");
    }

    /** A trace's answer text: its reasoning and its content. */
    public String response() {
        String reasoning = node.path("reasoning").asText("");
        String content = node.path("content").asText("");
        return reasoning.isEmpty() ? content : "<think>" + reasoning + "</think>" + content;
    }

    public boolean isTrace() {
        return node.hasNonNull("questionId");
    }

    public String questionId() {
        return node.path("questionId").asText(null);
    }
}
