package dev.thoughtline.generation.client;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One streamed chat completion (server-sent events of chat completion chunks), assembled per sample as its bytes
 * arrive, in whatever pieces the connection delivers them. A long answer is thousands of chunks, and this runs for
 * every one of them: a {@code data: } line framed like the stream's last one is read in place by
 * {@link ChunkReader#readLineLikeTemplate} (its prefix and suffix compared, its text parsed, its newline checked),
 * without a pass over its bytes to find its end first; any other line is found by its newline and read in full.
 * Not thread-safe: one per request, fed from its connection's event loop.
 */
final class SseCompletion {

    /** The longest line of the stream, in bytes, unless told otherwise. */
    static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;
    /** The most characters of one sample's reasoning and content together, unless told otherwise. */
    static final int DEFAULT_MAX_SAMPLE_CHARS = 4 << 20;

    private final int n;
    private final int maxLineBytes;
    private final int maxSampleChars;
    private String overflow;
    private final long start;
    private byte[] pending = new byte[1024];
    private int pendingLength;
    private final StringBuilder[] reasoning;
    private final StringBuilder[] content;
    private final String[] finish;
    private int finished;
    private long promptTokens;
    private long completionTokens;
    private long firstTokenNanos = -1;
    private boolean done;
    private int unreadable;
    private final ChunkReader chunks = new ChunkReader();

    private final ChunkReader.Sink sink = new ChunkReader.Sink() {
        @Override
        public void delta(int index, String r, String t, String reason) throws ChunkReader.Malformed {
            if (index < 0 || index >= n) {
                throw new ChunkReader.Malformed("choice index " + index + " outside 0.." + (n - 1));
            }
            if (((r != null && !r.isEmpty()) || (t != null && !t.isEmpty())) && firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
            }
            if (r != null) {
                reasoning[index].append(r);
            }
            if (t != null) {
                content[index].append(t);
            }
            if (overflow == null && reasoning[index].length() + content[index].length() > maxSampleChars) {
                overflow = "sample " + index + " passed " + maxSampleChars + " characters";
            }
            if (reason != null) {
                if (finish[index] == null) {
                    finished++;
                }
                finish[index] = reason;
            }
        }

        @Override
        public void usage(long prompt, long completion) {
            promptTokens = prompt;
            completionTokens = completion;
        }
    };

    /** A completion of {@code n} samples whose request got its connection at {@code startNanos}, with the default limits. */
    SseCompletion(int n, long startNanos) {
        this(n, startNanos, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_SAMPLE_CHARS);
    }

    /**
     * A completion of {@code n} samples whose request got its connection at {@code startNanos}; a line longer than
     * {@code maxLineBytes} or a sample longer than {@code maxSampleChars} makes it {@link #overflow()}.
     */
    SseCompletion(int n, long startNanos, int maxLineBytes, int maxSampleChars) {
        this.n = n;
        this.start = startNanos;
        this.maxLineBytes = maxLineBytes;
        this.maxSampleChars = maxSampleChars;
        this.reasoning = new StringBuilder[n];
        this.content = new StringBuilder[n];
        this.finish = new String[n];
        for (int i = 0; i < n; i++) {
            reasoning[i] = new StringBuilder();
            content[i] = new StringBuilder();
        }
    }

    /** Whether any sample's text has begun. */
    boolean tokensSeen() {
        return firstTokenNanos >= 0;
    }

    /**
     * Why this stream cannot be accepted however it goes on (a line or a sample over its limit), or null. Once set,
     * {@link #feed} reads nothing more: the caller drops the connection.
     */
    String overflow() {
        return overflow;
    }

    /** The next bytes of the stream; a line may end in a later piece. */
    void feed(Buffer piece) {
        if (overflow != null) {
            return;
        }
        int len = piece.length();
        if (pendingLength + len > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + len));
        }
        piece.getBytes(0, len, pending, pendingLength);
        // the line carried over from the last piece has no newline in its first `scanned` bytes
        int scanned = pendingLength;
        pendingLength += len;
        byte[] b = pending;
        int limit = pendingLength;
        int from = 0;
        while (from < limit) {
            int next = -1;
            if (b[from] == '\n') {
                next = from + 1; // the blank line that ends an event
            } else if (limit - from > 6 && b[from] == 'd' && b[from + 1] == 'a' && b[from + 2] == 't' && b[from + 3] == 'a'
                    && b[from + 4] == ':' && b[from + 5] == ' ') {
                try {
                    next = chunks.readLineLikeTemplate(b, from + 6, limit, sink);
                } catch (ChunkReader.Malformed e) {
                    next = -1; // the line is read below, and counted unreadable there
                }
            }
            if (next < 0) {
                int nl = indexOfNewline(b, Math.max(from, scanned), limit);
                if (nl < 0) {
                    break;
                }
                line(b, from, nl);
                next = nl + 1;
            }
            from = next;
        }
        if (from > 0) {
            System.arraycopy(b, from, b, 0, limit - from);
            pendingLength = limit - from;
        }
        if (pendingLength > maxLineBytes && overflow == null) {
            overflow = "a line of the stream passed " + maxLineBytes + " bytes";
        }
    }

    private static int indexOfNewline(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** One line, bytes {@code [from, to)} of {@code b}, without its newline. */
    private void line(byte[] b, int from, int to) {
        if (to > from && b[to - 1] == '\r') {
            to--;
        }
        if (to - from < 5 || b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a' || b[from + 4] != ':') {
            return;
        }
        int at = from + 5;
        while (at < to && b[at] == ' ') {
            at++;
        }
        if (to - at == 6 && b[at] == '[' && b[at + 1] == 'D' && b[at + 2] == 'O' && b[at + 3] == 'N' && b[at + 4] == 'E' && b[at + 5] == ']') {
            done = true;
            return;
        }
        try {
            chunks.read(b, at, to, sink);
        } catch (ChunkReader.Malformed e) {
            // a chunk we cannot read may have carried text: the completion cannot be trusted
            unreadable++;
        }
    }

    /** The end of the stream: a last line without its newline still counts. */
    void end() {
        if (pendingLength > 0) {
            line(pending, 0, pendingLength);
            pendingLength = 0;
        }
    }

    /** The completion, or null when the stream is incomplete: no {@code [DONE]}, a sample without a finish reason, or an unreadable chunk. */
    Completion completion() {
        if (!done || finished < n || unreadable > 0 || overflow != null) {
            return null;
        }
        List<Completion.Choice> choices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String r = reasoning[i].toString();
            String t = content[i].toString();
            if (r.isEmpty() && t.startsWith("<think>")) {
                int end = t.indexOf("</think>");
                if (end < 0) {
                    r = t.substring("<think>".length());
                    t = "";
                } else {
                    r = t.substring("<think>".length(), end);
                    t = t.substring(end + "</think>".length());
                }
                r = r.strip();
                t = t.strip();
            }
            choices.add(new Completion.Choice(i, r, t, finish[i]));
        }
        long now = System.nanoTime();
        return new Completion(choices, promptTokens, completionTokens,
                firstTokenNanos < 0 ? -1 : (firstTokenNanos - start) / 1_000_000, (now - start) / 1_000_000);
    }
}
