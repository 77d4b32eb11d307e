package dev.thoughtline.generation.client;

import java.nio.charset.StandardCharsets;

/**
 * Reads one chat completion chunk (the JSON of an SSE {@code data:} line) straight from its bytes, taking only
 * what a completion needs: per choice its index, the reasoning and content deltas and the finish reason, and
 * the usage. A long answer is thousands of chunks and this runs for each, so it walks the bytes once, skips
 * every other value without building it, and decodes only the strings it keeps. Anything that is not valid
 * JSON throws {@link Malformed}: a chunk that cannot be read may have carried text, so the completion is not
 * trusted. Not thread-safe; one per stream.
 */
final class ChunkReader {

    /** The chunk is not the JSON it should be. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** What a chunk says; the reader calls it as it goes. */
    interface Sink {
        void delta(int index, String reasoning, String content, String finishReason) throws Malformed;

        void usage(long promptTokens, long completionTokens);
    }

    private static final byte[] CHOICES = ascii("choices");
    private static final byte[] USAGE = ascii("usage");
    private static final byte[] INDEX = ascii("index");
    private static final byte[] FINISH_REASON = ascii("finish_reason");
    private static final byte[] DELTA = ascii("delta");
    private static final byte[] REASONING_CONTENT = ascii("reasoning_content");
    private static final byte[] REASONING = ascii("reasoning");
    private static final byte[] CONTENT = ascii("content");
    private static final byte[] PROMPT_TOKENS = ascii("prompt_tokens");
    private static final byte[] COMPLETION_TOKENS = ascii("completion_tokens");

    private byte[] b;
    private int pos;
    private int end;
    /** The last name read: bytes [nameStart, nameEnd) of b, escapes left as they are. */
    private int nameStart;
    private int nameEnd;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a member name; compared with {@link #nameIs} without making a String of it. */
    private void name() throws Malformed {
        expect('"');
        nameStart = pos;
        while (true) {
            if (pos >= end) {
                throw new Malformed("unterminated name");
            }
            byte c = b[pos];
            if (c == '"') {
                nameEnd = pos++;
                return;
            }
            if (c == '\\') {
                pos += 2;
            } else if (c >= 0 && c < 0x20) {
                throw new Malformed("control character in a name");
            } else {
                pos++;
            }
        }
    }

    private boolean nameIs(byte[] wanted) {
        if (nameEnd - nameStart != wanted.length) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (b[nameStart + i] != wanted[i]) {
                return false;
            }
        }
        return true;
    }
    private final StringBuilder text = new StringBuilder(64);

    void read(byte[] bytes, int from, int to, Sink sink) throws Malformed {
        b = bytes;
        pos = from;
        end = to;
        space();
        expect('{');
        space();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                name();
                colon();
                if (nameIs(CHOICES) && peek() == '[') {
                    pos++;
                    space();
                    if (peek() == ']') {
                        pos++;
                    } else {
                        while (true) {
                            choice(sink);
                            if (!more(']')) {
                                break;
                            }
                        }
                    }
                } else if (nameIs(USAGE) && peek() == '{') {
                    usage(sink);
                } else {
                    skipValue();
                }
                if (!more('}')) {
                    break;
                }
            }
        }
        space();
        if (pos != end) {
            throw new Malformed("trailing bytes after the chunk");
        }
    }

    private void choice(Sink sink) throws Malformed {
        space();
        expect('{');
        int index = 0;
        String reasoning = null;
        String content = null;
        String finish = null;
        space();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                name();
                colon();
                if (nameIs(INDEX)) {
                    index = (int) number();
                } else if (nameIs(FINISH_REASON)) {
                    finish = nullOrString();
                } else if (nameIs(DELTA) && peek() == '{') {
                    pos++;
                    space();
                    if (peek() == '}') {
                        pos++;
                    } else {
                        while (true) {
                            name();
                            colon();
                            if (nameIs(REASONING_CONTENT) || nameIs(REASONING)) {
                                String v = nullOrString();
                                reasoning = v != null ? v : reasoning;
                            } else if (nameIs(CONTENT)) {
                                String v = nullOrString();
                                content = v != null ? v : content;
                            } else {
                                skipValue();
                            }
                            if (!more('}')) {
                                break;
                            }
                        }
                    }
                } else {
                    skipValue();
                }
                if (!more('}')) {
                    break;
                }
            }
        }
        sink.delta(index, reasoning, content, finish);
    }

    private void usage(Sink sink) throws Malformed {
        pos++;
        long prompt = 0;
        long completion = 0;
        space();
        if (peek() == '}') {
            pos++;
        } else {
            while (true) {
                name();
                colon();
                if (nameIs(PROMPT_TOKENS) && peek() != 'n') {
                    prompt = number();
                } else if (nameIs(COMPLETION_TOKENS) && peek() != 'n') {
                    completion = number();
                } else {
                    skipValue();
                }
                if (!more('}')) {
                    break;
                }
            }
        }
        sink.usage(prompt, completion);
    }

    /** After a member: true when another follows (a comma), false at the closing bracket. */
    private boolean more(char close) throws Malformed {
        space();
        byte c = next();
        if (c == ',') {
            space();
            return true;
        }
        if (c == close) {
            return false;
        }
        throw new Malformed("expected ',' or '" + close + "' at " + (pos - 1));
    }

    private void colon() throws Malformed {
        space();
        expect(':');
        space();
    }

    private String nullOrString() throws Malformed {
        if (peek() == 'n') {
            literal("null");
            return null;
        }
        return string();
    }

    private long number() throws Malformed {
        boolean negative = false;
        if (peek() == '-') {
            negative = true;
            pos++;
        }
        int start = pos;
        long v = 0;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            v = v * 10 + (b[pos++] - '0');
            if (pos - start > 18) {
                throw new Malformed("number too long");
            }
        }
        if (pos == start) {
            throw new Malformed("expected a number at " + pos);
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            skipNumberRest();
        }
        return negative ? -v : v;
    }

    private void skipNumberRest() {
        while (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E' || b[pos] == '+' || b[pos] == '-'
                || (b[pos] >= '0' && b[pos] <= '9'))) {
            pos++;
        }
    }

    /** The string value at pos, decoded. */
    private String string() throws Malformed {
        expect('"');
        int start = pos;
        // fast path: no escapes, plain ASCII
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                String s = new String(b, start, pos - start, StandardCharsets.ISO_8859_1);
                pos++;
                return s;
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
            if (c < 0) {
                return slowString(start);
            }
            pos++;
        }
        return slowString(start);
    }

    private String slowString(int start) throws Malformed {
        pos = start;
        text.setLength(0);
        int run = pos;
        while (true) {
            if (pos >= end) {
                throw new Malformed("unterminated string");
            }
            byte c = b[pos];
            if (c == '"') {
                flushUtf8(run, pos);
                pos++;
                return text.toString();
            }
            if (c >= 0 && c < 0x20) {
                throw new Malformed("control character in a string at " + pos);
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            flushUtf8(run, pos);
            pos++;
            if (pos >= end) {
                throw new Malformed("unterminated escape");
            }
            byte e = b[pos++];
            switch (e) {
                case '"' -> text.append('"');
                case '\\' -> text.append('\\');
                case '/' -> text.append('/');
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    if (pos + 4 > end) {
                        throw new Malformed("short \\u escape");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(b[pos++], 16);
                        if (d < 0) {
                            throw new Malformed("bad \\u escape");
                        }
                        cp = cp * 16 + d;
                    }
                    text.append((char) cp);
                }
                default -> throw new Malformed("bad escape \\" + (char) e);
            }
            run = pos;
        }
    }

    private void flushUtf8(int from, int to) {
        if (to > from) {
            text.append(new String(b, from, to - from, StandardCharsets.UTF_8));
        }
    }

    private void skipValue() throws Malformed {
        space();
        byte c = peek();
        switch (c) {
            case '"' -> skipString();
            case '{' -> skipContainer('{', '}');
            case '[' -> skipContainer('[', ']');
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    pos++;
                    skipNumberRest();
                } else {
                    throw new Malformed("unexpected '" + (char) c + "' at " + pos);
                }
            }
        }
    }

    private void skipString() throws Malformed {
        pos++;
        while (pos < end) {
            byte c = b[pos++];
            if (c == '"') {
                return;
            }
            if (c == '\\') {
                pos++;
            } else if (c >= 0 && c < 0x20) {
                throw new Malformed("control character in a string");
            }
        }
        throw new Malformed("unterminated string");
    }

    private void skipContainer(char open, char close) throws Malformed {
        pos++;
        space();
        if (peek() == close) {
            pos++;
            return;
        }
        while (true) {
            if (open == '{') {
                name();
                colon();
            }
            skipValue();
            if (!more(close)) {
                return;
            }
        }
    }

    private void literal(String word) throws Malformed {
        for (int i = 0; i < word.length(); i++) {
            if (pos >= end || b[pos++] != word.charAt(i)) {
                throw new Malformed("expected " + word);
            }
        }
    }

    private void space() {
        while (pos < end && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
            pos++;
        }
    }

    private byte peek() throws Malformed {
        if (pos >= end) {
            throw new Malformed("the chunk ends early");
        }
        return b[pos];
    }

    private byte next() throws Malformed {
        if (pos >= end) {
            throw new Malformed("the chunk ends early");
        }
        return b[pos++];
    }

    private void expect(char c) throws Malformed {
        if (next() != c) {
            throw new Malformed("expected '" + c + "' at " + (pos - 1));
        }
    }
}
