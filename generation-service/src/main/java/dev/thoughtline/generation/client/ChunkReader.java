package dev.thoughtline.generation.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

    // the loops over bytes work on local copies of b, pos and end, and write pos back once

    /** Reads a member name; compared with {@link #nameIs} without making a String of it. */
    private void name() throws Malformed {
        expect('"');
        byte[] b = this.b;
        int p = pos;
        int e = end;
        nameStart = p;
        while (p < e) {
            byte c = b[p];
            if (c == '"') {
                nameEnd = p;
                pos = p + 1;
                return;
            }
            if (c == '\\') {
                p += 2;
            } else if (c >= 0 && c < 0x20) {
                throw new Malformed("control character in a name");
            } else {
                p++;
            }
        }
        throw new Malformed("unterminated name");
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

    /*
     * The chunks of one stream differ, as a rule, only in the text they carry: the id, object, model, index and
     * every name around it repeat byte for byte. The last chunk read in full that carried exactly one text value
     * (one choice, no usage) is kept as a template; a chunk equal to it before that value's string and after it
     * says what the template said, with its own text. Two vectorised comparisons and the text's own bytes replace
     * the walk over the rest (about 30% of generation-service's CPU per sample went into that walk). It is exact: JSON
     * with one string replaced by another string is valid exactly when the original was, and means the same but
     * for that string. Anything else is read in full.
     */
    private byte[] template = new byte[256];
    /** Length of the template; -1 when there is none. */
    private int templateLength = -1;
    /** Offsets in the template of the text value's opening and closing quotes. */
    private int templateOpen;
    private int templateClose;
    private int templateIndex;
    private boolean templateReasoning;
    private String templateFinish;

    /** What a full read saw, to decide whether the chunk can serve as the template. */
    private int texts;
    private int choices;
    private boolean sawUsage;
    private int textOpen;
    private int textClose;
    private boolean textReasoning;
    private int lastIndex;
    private String lastFinish;

    void read(byte[] bytes, int from, int to, Sink sink) throws Malformed {
        if (templateLength >= 0 && readLikeTemplate(bytes, from, to, sink)) {
            return;
        }
        readInFull(bytes, from, to, sink);
        if (texts == 1 && choices == 1 && !sawUsage) {
            int length = to - from;
            if (template.length < length) {
                template = new byte[Math.max(length, 2 * template.length)];
            }
            System.arraycopy(bytes, from, template, 0, length);
            templateLength = length;
            templateOpen = textOpen - from;
            templateClose = textClose - from;
            templateIndex = lastIndex;
            templateReasoning = textReasoning;
            templateFinish = lastFinish;
        }
    }

    /** True when the chunk matched the template and its text went to the sink; false: read it in full. */
    private boolean readLikeTemplate(byte[] bytes, int from, int to, Sink sink) throws Malformed {
        if (matchTemplate(bytes, from, to) != to) {
            return false;
        }
        deliverTemplated(sink);
        return true;
    }

    /**
     * Reads a chunk framed like the template that ends a line, from {@code from} (the JSON's first byte) and
     * within {@code limit}: the JSON, then "\n" or "\r\n". Returns the index past that newline when it did and
     * the chunk's text went to the sink; -1 when it did not, the sink untouched: the caller finds the line's end
     * and reads it with {@link #read}. So a line need not be scanned for its end before it is read.
     */
    int readLineLikeTemplate(byte[] bytes, int from, int limit, Sink sink) throws Malformed {
        int after = matchTemplate(bytes, from, limit);
        if (after < 0 || after >= limit) {
            return -1;
        }
        int next;
        if (bytes[after] == '\n') {
            next = after + 1;
        } else if (bytes[after] == '\r' && after + 1 < limit && bytes[after + 1] == '\n') {
            next = after + 2;
        } else {
            return -1;
        }
        deliverTemplated(sink);
        return next;
    }

    /** The text of the last chunk {@link #matchTemplate} matched. */
    private String templatedText;

    /**
     * Whether the bytes from {@code from} hold the template with another string for its text, within {@code limit}:
     * the index past the template's suffix, or -1.
     */
    private int matchTemplate(byte[] bytes, int from, int limit) {
        if (templateLength < 0) {
            return -1;
        }
        int open = templateOpen;
        int suffix = templateLength - templateClose - 1;
        if (limit - from < open + 2 + suffix || Arrays.mismatch(bytes, from, from + open + 1, template, 0, open + 1) >= 0) {
            return -1;
        }
        b = bytes;
        pos = from + open;
        end = limit;
        try {
            templatedText = string();
        } catch (Malformed unreadable) {
            return -1; // a full read says why
        }
        int after = pos + suffix;
        if (after > limit || Arrays.mismatch(bytes, pos, after, template, templateClose + 1, templateLength) >= 0) {
            return -1;
        }
        return after;
    }

    private void deliverTemplated(Sink sink) throws Malformed {
        String value = templatedText;
        sink.delta(templateIndex, templateReasoning ? value : null, templateReasoning ? null : value, templateFinish);
    }

    private void readInFull(byte[] bytes, int from, int to, Sink sink) throws Malformed {
        b = bytes;
        pos = from;
        end = to;
        texts = 0;
        choices = 0;
        sawUsage = false;
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
        choices++;
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
                                int open = pos;
                                String v = nullOrString();
                                if (v != null) {
                                    text(open, true);
                                }
                                reasoning = v != null ? v : reasoning;
                            } else if (nameIs(CONTENT)) {
                                int open = pos;
                                String v = nullOrString();
                                if (v != null) {
                                    text(open, false);
                                }
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
        lastIndex = index;
        lastFinish = finish;
        sink.delta(index, reasoning, content, finish);
    }

    /** A text value was read from its opening quote at {@code open} to the byte before pos. */
    private void text(int open, boolean isReasoning) {
        texts++;
        textOpen = open;
        textClose = pos - 1;
        textReasoning = isReasoning;
    }

    private void usage(Sink sink) throws Malformed {
        sawUsage = true;
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
        byte[] b = this.b;
        int p = pos;
        int e = end;
        int start = p;
        long v = 0;
        while (p < e && b[p] >= '0' && b[p] <= '9') {
            v = v * 10 + (b[p++] - '0');
            if (p - start > 18) {
                throw new Malformed("number too long");
            }
        }
        pos = p;
        if (p == start) {
            throw new Malformed("expected a number at " + p);
        }
        if (p < e && (b[p] == '.' || b[p] == 'e' || b[p] == 'E')) {
            skipNumberRest();
        }
        return negative ? -v : v;
    }

    private void skipNumberRest() {
        byte[] b = this.b;
        int p = pos;
        int e = end;
        while (p < e) {
            byte c = b[p];
            if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
                p++;
            } else {
                break;
            }
        }
        pos = p;
    }

    /** The string value at pos, decoded. */
    private String string() throws Malformed {
        expect('"');
        byte[] b = this.b;
        int start = pos;
        int p = start;
        int e = end;
        // fast path: no escapes, plain ASCII (a negative byte is UTF-8, a control character is refused below)
        while (p < e) {
            byte c = b[p];
            if (c == '"') {
                pos = p + 1;
                return new String(b, start, p - start, StandardCharsets.ISO_8859_1);
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
            p++;
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
        byte[] b = this.b;
        int p = pos + 1;
        int e = end;
        while (p < e) {
            byte c = b[p++];
            if (c == '"') {
                pos = p;
                return;
            }
            if (c == '\\') {
                p++;
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
        byte[] b = this.b;
        int p = pos;
        int e = end;
        while (p < e) {
            byte c = b[p];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                p++;
            } else {
                break;
            }
        }
        pos = p;
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
