package dev.thoughtline.question.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.Domain;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which field of an input record holds what. Keys: {@code text} (default {@code text}), {@code answer}
 * (default {@code answer}), {@code id} (default {@code id}), {@code domain} (no default: the source's),
 * {@code metadata} (a comma-separated list of top-level fields to keep; default: every field not mapped,
 * empty: none). Values are field names, or dotted paths into nested objects and arrays
 * ({@code extra.problem}, {@code messages.0.content}). Immutable and thread-safe.
 */
public final class FieldMapping {

    public static final Set<String> KEYS = Set.of("text", "answer", "id", "domain", "metadata");

    private final String[] text;
    private final String[] answer;
    private final String[] id;
    private final String[] domain;
    private final Set<String> metadataFields;
    private final Set<String> consumed = new LinkedHashSet<>();
    private final Map<String, String> spec;

    private FieldMapping(Map<String, String> spec) {
        this.spec = Map.copyOf(spec);
        this.text = path(spec.getOrDefault("text", "text"));
        this.answer = path(spec.getOrDefault("answer", "answer"));
        this.id = path(spec.getOrDefault("id", "id"));
        this.domain = spec.containsKey("domain") ? path(spec.get("domain")) : null;
        for (String[] p : new String[][] {text, answer, id, domain}) {
            if (p != null && p.length == 1) {
                consumed.add(p[0]);
            }
        }
        if (spec.containsKey("metadata")) {
            Set<String> keep = new LinkedHashSet<>();
            for (String f : spec.get("metadata").split(",")) {
                if (!f.isBlank()) {
                    keep.add(f.trim());
                }
            }
            this.metadataFields = keep;
        } else {
            this.metadataFields = null;
        }
    }

    /** The default mapping: {@code text}, {@code answer}, {@code id}, every other field kept as metadata. */
    public static FieldMapping defaults() {
        return new FieldMapping(Map.of());
    }

    /**
     * A mapping from user input; throws {@link IllegalArgumentException} naming an unknown key or an empty
     * path, which callers turn into a 400.
     */
    public static FieldMapping of(Map<String, String> spec) {
        Map<String, String> clean = new LinkedHashMap<>();
        if (spec != null) {
            for (Map.Entry<String, String> e : spec.entrySet()) {
                if (!KEYS.contains(e.getKey())) {
                    throw new IllegalArgumentException("unknown field mapping '" + e.getKey()
                            + "': the keys are text, answer, id, domain and metadata");
                }
                String v = e.getValue() == null ? "" : e.getValue().trim();
                if (v.isEmpty() && !"metadata".equals(e.getKey())) {
                    throw new IllegalArgumentException("field mapping '" + e.getKey() + "' names no field");
                }
                clean.put(e.getKey(), v);
            }
        }
        return new FieldMapping(clean);
    }

    /** The mapping as given, for the import's record. */
    public Map<String, String> spec() {
        return spec;
    }

    /** The fields of one record, normalised; throws {@link LineRejected} with the reason it cannot be used. */
    public Fields extract(JsonNode record) throws LineRejected {
        if (record == null || !record.isObject()) {
            throw new LineRejected("not a JSON object");
        }
        JsonNode t = at(record, text);
        if (t == null || t.isNull()) {
            throw new LineRejected("missing text field '" + String.join(".", text) + "'");
        }
        if (!t.isTextual()) {
            throw new LineRejected("text field '" + String.join(".", text) + "' must be a string, got " + kind(t));
        }
        String normalized = TextNormalizer.normalize(t.textValue());
        if (normalized.isEmpty()) {
            throw new LineRejected("text field '" + String.join(".", text) + "' is empty");
        }
        noNul(normalized, "text");
        String ans = scalar(record, answer, "answer");
        String ext = scalar(record, id, "id");
        Domain dom = null;
        if (domain != null) {
            JsonNode d = at(record, domain);
            if (d != null && !d.isNull()) {
                if (!d.isTextual()) {
                    throw new LineRejected("domain field must be a string, got " + kind(d));
                }
                try {
                    dom = Domain.parse(d.textValue());
                } catch (IllegalArgumentException e) {
                    throw new LineRejected(e.getMessage());
                }
            }
        }
        ObjectNode meta = ((ObjectNode) record).objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = record.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            boolean keep = metadataFields == null ? !consumed.contains(e.getKey()) : metadataFields.contains(e.getKey());
            if (keep) {
                meta.set(e.getKey(), e.getValue());
            }
        }
        if (ext != null) {
            meta.put("externalId", ext);
        }
        if (hasNul(meta)) {
            throw new LineRejected("metadata contains a NUL character (\\u0000), which cannot be stored");
        }
        return new Fields(ext, normalized, ans == null ? null : TextNormalizer.normalize(ans), dom, meta);
    }

    /** What one record gives: {@code text} normalised; {@code metadata} the fields kept. */
    public record Fields(String externalId, String text, String answer, Domain domain, ObjectNode metadata) {
    }

    private static String scalar(JsonNode record, String[] path, String what) throws LineRejected {
        JsonNode n = at(record, path);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual() || n.isNumber()) {
            String v = n.asText();
            noNul(v, what);
            return v;
        }
        throw new LineRejected(what + " field '" + String.join(".", path) + "' must be a string or a number, got " + kind(n));
    }

    private static void noNul(String v, String what) throws LineRejected {
        if (v.indexOf('\0') >= 0) {
            throw new LineRejected(what + " contains a NUL character (\\u0000), which cannot be stored");
        }
    }

    private static boolean hasNul(JsonNode n) {
        if (n.isTextual()) {
            return n.textValue().indexOf('\0') >= 0;
        }
        if (n.isContainerNode()) {
            if (n.isObject()) {
                Iterator<String> names = n.fieldNames();
                while (names.hasNext()) {
                    if (names.next().indexOf('\0') >= 0) {
                        return true;
                    }
                }
            }
            for (JsonNode c : n) {
                if (hasNul(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode at(JsonNode node, String[] path) {
        JsonNode n = node;
        for (String seg : path) {
            if (n == null) {
                return null;
            }
            if (n.isArray()) {
                int idx;
                try {
                    idx = Integer.parseInt(seg);
                } catch (NumberFormatException e) {
                    return null;
                }
                n = n.get(idx);
            } else {
                n = n.get(seg);
            }
        }
        return n;
    }

    private static String[] path(String spec) {
        return spec.split("\\.");
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> n.getNodeType().name().toLowerCase();
        };
    }
}
