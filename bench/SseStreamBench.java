package dev.thoughtline.generation.client;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * ns per SSE chunk for generation-service's SseCompletion, which assembles a streamed completion from the pieces the
 * connection delivers, against the way it worked before (commit 4155f89 and earlier): find each line's newline byte by
 * byte, then read the line with ChunkReader. Both get the same streams, shaped like teacher-sim's (a role chunk, 60
 * chunks of reasoning, 40 of content, one token each, a finish and a usage chunk, [DONE]), in pieces of 4,096 bytes,
 * with a new assembler per stream as in the service. Run by bench/sse-stream.sh. Prints the median of 11 rounds of
 * 20,000 streams each, the two ways alternating.
 */
public class SseStreamBench {

    public static void main(String[] args) {
        Buffer[][] streams = new Buffer[16][];
        for (int s = 0; s < streams.length; s++) {
            streams[s] = pieces(stream(s), 4096);
        }
        int rounds = 11;
        double[] lineFirst = new double[rounds];
        double[] inPlace = new double[rounds];
        long[] check = new long[2];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 20_000; k++) {
                LineFirst a = new LineFirst();
                for (Buffer p : streams[k % streams.length]) {
                    a.feed(p);
                }
                check[0] += a.length();
            }
            lineFirst[r] = (System.nanoTime() - t0) / (20_000.0 * 104);
            t0 = System.nanoTime();
            for (int k = 0; k < 20_000; k++) {
                SseCompletion c = new SseCompletion(1, 0);
                for (Buffer p : streams[k % streams.length]) {
                    c.feed(p);
                }
                c.end();
                Completion done = c.completion();
                check[1] += done.choices().get(0).reasoning().length() + done.choices().get(0).content().length();
            }
            inPlace[r] = (System.nanoTime() - t0) / (20_000.0 * 104);
        }
        System.out.printf("line first, then read (before): median %.0f ns a chunk %s%n", median(lineFirst), rounded(lineFirst));
        System.out.printf("SseCompletion (read in place): median %.0f ns a chunk %s%n", median(inPlace), rounded(inPlace));
        System.out.printf("text assembled: %d and %d characters%s%n", check[0], check[1], check[0] == check[1] ? " (same)" : " (DIFFERENT)");
    }

    static byte[] stream(int s) {
        String[] words = {"we ", "about ", "the ", "answer ", "is ", "so ", "compute ", "\\\\boxed{12}."};
        String head = "data: {\"id\":\"chatcmpl-" + (8570418L + s) + "bb4033654\",\"object\":\"chat.completion.chunk\",\"created\":1795769406,"
                + "\"model\":\"teacher-sim\",\"choices\":[";
        StringBuilder b = new StringBuilder();
        b.append(head).append("{\"index\":0,\"finish_reason\":null,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
        for (int i = 0; i < 100; i++) {
            String field = i < 60 ? "reasoning_content" : "content";
            b.append(head).append("{\"index\":0,\"finish_reason\":null,\"delta\":{\"").append(field).append("\":\"")
                    .append(words[(i + s) % words.length]).append("\"}}]}\n\n");
        }
        b.append(head).append("{\"index\":0,\"finish_reason\":\"stop\",\"delta\":{}}]}\n\n");
        b.append(head).append("],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":100,\"total_tokens\":109}}\n\n");
        b.append("data: [DONE]\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Buffer[] pieces(byte[] bytes, int size) {
        Buffer[] out = new Buffer[(bytes.length + size - 1) / size];
        for (int i = 0; i < out.length; i++) {
            int from = i * size;
            out[i] = Buffer.buffer().appendBytes(bytes, from, Math.min(size, bytes.length - from));
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String rounded(double[] v) {
        return Arrays.toString(Arrays.stream(v).mapToLong(Math::round).toArray());
    }

    /** The loop SseCompletion replaced: newline first, then the line. */
    static final class LineFirst {
        private byte[] pending = new byte[1024];
        private int pendingLength;
        private final ChunkReader chunks = new ChunkReader();
        private final StringBuilder reasoning = new StringBuilder();
        private final StringBuilder content = new StringBuilder();
        private final ChunkReader.Sink sink = new ChunkReader.Sink() {
            @Override
            public void delta(int index, String r, String t, String reason) {
                if (r != null) {
                    reasoning.append(r);
                }
                if (t != null) {
                    content.append(t);
                }
            }

            @Override
            public void usage(long prompt, long completion) {
            }
        };

        void feed(Buffer chunk) {
            int len = chunk.length();
            if (pendingLength + len > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + len));
            }
            chunk.getBytes(0, len, pending, pendingLength);
            int scanFrom = pendingLength;
            pendingLength += len;
            int from = 0;
            for (int i = scanFrom; i < pendingLength; i++) {
                if (pending[i] == '\n') {
                    line(pending, from, i);
                    from = i + 1;
                }
            }
            if (from > 0) {
                System.arraycopy(pending, from, pending, 0, pendingLength - from);
                pendingLength -= from;
            }
        }

        private void line(byte[] b, int from, int to) {
            if (to - from < 6 || b[from] != 'd' || b[from + 6] == '[') {
                return;
            }
            try {
                chunks.read(b, from + 6, to, sink);
            } catch (ChunkReader.Malformed e) {
                throw new IllegalStateException(e);
            }
        }

        long length() {
            return reasoning.length() + content.length();
        }
    }
}
