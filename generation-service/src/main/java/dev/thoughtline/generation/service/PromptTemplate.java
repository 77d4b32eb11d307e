package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A prompt with {@code {{field}}} placeholders filled from an input item: {@code {{text}}}, {@code {{answer}}},
 * {@code {{metadata.level}}} (a dotted path into the item). Parsed once per job; a placeholder that names
 * no field of an item is an error for that item, never an empty string in a prompt someone pays for.
 */
public final class PromptTemplate {

    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)*");

    /** Literal text, or a field path. */
    private record Part(String literal, String[] path) {
    }

    private final String source;
    private final List<Part> parts;

    private PromptTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    /** Parses a template; {@link IllegalArgumentException} says what is wrong with it. */
    public static PromptTemplate parse(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("promptTemplate is required, e.g. \"{{text}}\"");
        }
        List<Part> parts = new ArrayList<>();
        int i = 0;
        boolean anyField = false;
        while (i < template.length()) {
            int open = template.indexOf("{{", i);
            if (open < 0) {
                parts.add(new Part(template.substring(i), null));
                break;
            }
            if (open > i) {
                parts.add(new Part(template.substring(i, open), null));
            }
            int close = template.indexOf("}}", open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("promptTemplate has a '{{' at " + open + " that is never closed with '}}'");
            }
            String name = template.substring(open + 2, close).strip();
            if (!FIELD.matcher(name).matches()) {
                throw new IllegalArgumentException("promptTemplate names '" + name + "' at " + open
                        + ": a placeholder is a field name or a dotted path, e.g. {{text}} or {{metadata.level}}");
            }
            parts.add(new Part(null, name.split("\\.")));
            anyField = true;
            i = close + 2;
        }
        if (!anyField) {
            throw new IllegalArgumentException("promptTemplate uses no field of the item: every item would get the same prompt; "
                    + "put {{text}} where the question goes");
        }
        return new PromptTemplate(template, List.copyOf(parts));
    }

    /** The fields the template names, as dotted paths. */
    public List<String> fields() {
        return parts.stream().filter(p -> p.path() != null).map(p -> String.join(".", p.path())).toList();
    }

    /** The prompt for one item; {@link IllegalArgumentException} when the item lacks a named field. */
    public String render(JsonNode item) {
        StringBuilder out = new StringBuilder(source.length() + 256);
        for (Part p : parts) {
            if (p.literal() != null) {
                out.append(p.literal());
                continue;
            }
            JsonNode v = item;
            for (String step : p.path()) {
                v = v == null ? null : v.get(step);
            }
            if (v == null || v.isNull() || v.isMissingNode()) {
                throw new IllegalArgumentException("item " + item.path("id").asText("?") + " has no field '"
                        + String.join(".", p.path()) + "' that the prompt template names");
            }
            out.append(v.isValueNode() ? v.asText() : v.toString());
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
