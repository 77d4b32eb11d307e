package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * PostgreSQL's text and jsonb cannot hold NUL: a teacher's answer or an input item with one would make its
 * whole batch unstorable, so NUL becomes U+FFFD (the replacement character) on the way in.
 */
final class Text {

    private Text() {
    }

    static String clean(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }

    /** The node with NUL replaced in every string and field name. */
    static JsonNode clean(JsonNode node) {
        if (node.isTextual()) {
            String t = node.textValue();
            return t.indexOf('\0') < 0 ? node : TextNode.valueOf(clean(t));
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            ObjectNode out = o.objectNode();
            o.fields().forEachRemaining(e -> out.set(clean(e.getKey()), clean(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = ((ArrayNode) node).arrayNode();
            node.forEach(n -> out.add(clean(n)));
            return out;
        }
        return node;
    }
}
