package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * What of a body from another server may be shown to a caller or stored: a short, single-line, printable excerpt.
 * A problem document ({@code detail}, else {@code title}) or an OpenAI-style error ({@code error.message}) gives its
 * message; anything else its first characters. Control characters become spaces, runs of whitespace one space.
 */
public final class Excerpt {

    /** The default length of an excerpt in characters. */
    public static final int SHORT = 200;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Excerpt() {
    }

    /** The message of {@code body} (only its first 64 KiB are looked at), at most {@code max} characters. */
    public static String of(byte[] body, int max) {
        if (body == null || body.length == 0) {
            return "";
        }
        int n = Math.min(body.length, 64 * 1024);
        String text = new String(body, 0, n, StandardCharsets.UTF_8);
        String message = null;
        if (n == body.length && text.stripLeading().startsWith("{")) {
            try {
                JsonNode root = MAPPER.readTree(text);
                JsonNode m = root.path("detail").isTextual() ? root.path("detail")
                        : root.path("error").path("message").isTextual() ? root.path("error").path("message")
                        : root.path("message").isTextual() ? root.path("message") : root.path("title");
                if (m.isTextual()) {
                    message = m.textValue();
                }
            } catch (Exception notJson) {
                // the text as it is
            }
        }
        return clean(message != null ? message : text, max);
    }

    /** {@code text} on one line of printable characters, cut to {@code max} characters with "..." when longer. */
    public static String clean(String text, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 3);
        boolean space = false;
        int i = 0;
        for (; i < text.length() && sb.length() < max; i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.getType(c) == Character.PRIVATE_USE || Character.getType(c) == Character.UNASSIGNED) {
                space = sb.length() > 0;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if (space) {
                        sb.append(' ');
                        space = false;
                    }
                    sb.append(c).append(text.charAt(++i));
                } else {
                    space = sb.length() > 0;
                }
                continue;
            }
            if (space) {
                sb.append(' ');
                space = false;
            }
            sb.append(c);
        }
        boolean more = false;
        for (; i < text.length() && !more; i++) {
            more = !Character.isWhitespace(text.charAt(i));
        }
        return more ? sb + "..." : sb.toString();
    }
}
