package dev.thoughtline.generation.client;

import java.nio.charset.StandardCharsets;

/**
 * ns per SSE chunk for generation-service's ChunkReader on a stream shaped like teacher-sim's (100 chunks: 60 of
 * reasoning, 40 of content, one token each). Run by bench/chunk-reader.sh, which compiles ChunkReader from each
 * git revision it is given next to this file. Prints the median of 12 rounds of 2,000,000 chunks.
 */
public class ChunkReaderBench {
    public static void main(String[] args) throws Exception {
        String[] words = {"we ", "about ", "the ", "answer ", "is ", "so ", "compute ", "\\\\boxed{12}."};
        byte[][] chunks = new byte[100][];
        for (int i = 0; i < 100; i++) {
            String field = i < 60 ? "reasoning_content" : "content";
            chunks[i] = ("{\"id\":\"chatcmpl-8570418bb4033654\",\"object\":\"chat.completion.chunk\",\"created\":1795769406,"
                    + "\"model\":\"teacher-sim\",\"choices\":[{\"index\":0,\"finish_reason\":null,\"delta\":{\"" + field + "\":\""
                    + words[i % words.length] + "\"}}]}").getBytes(StandardCharsets.UTF_8);
        }
        long[] sum = new long[1];
        ChunkReader.Sink sink = new ChunkReader.Sink() {
            @Override
            public void delta(int index, String reasoning, String content, String finish) {
                sum[0] += index + (reasoning == null ? 0 : reasoning.length()) + (content == null ? 0 : content.length());
            }

            @Override
            public void usage(long prompt, long completion) {
                sum[0] += prompt;
            }
        };
        double[] rounds = new double[12];
        for (int round = 0; round < rounds.length; round++) {
            ChunkReader reader = new ChunkReader();
            long t0 = System.nanoTime();
            for (int k = 0; k < 20_000; k++) {
                for (byte[] c : chunks) {
                    reader.read(c, 0, c.length, sink);
                }
            }
            rounds[round] = (System.nanoTime() - t0) / (20_000.0 * chunks.length);
        }
        double[] sorted = rounds.clone();
        java.util.Arrays.sort(sorted);
        System.out.printf("median %.0f ns a chunk (rounds: %s; checksum %d)%n", sorted[sorted.length / 2],
                java.util.Arrays.toString(java.util.Arrays.stream(rounds).mapToLong(Math::round).toArray()), sum[0]);
    }
}
