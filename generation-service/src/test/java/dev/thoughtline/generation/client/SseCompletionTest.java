package dev.thoughtline.generation.client;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseCompletionTest {

    private static final String HEAD = "{\"id\":\"chatcmpl-3\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
            + "\"choices\":[{\"index\":%d,\"finish_reason\":null,\"delta\":{\"%s\":\"%s\"}}]}";

    private static String data(int index, String field, String jsonText) {
        return "data: " + HEAD.formatted(index, field, jsonText) + "\n\n";
    }

    /** Two samples, framed as the chunks of a stream usually are, with the odd lines SSE allows in between. */
    private static byte[] stream() {
        StringBuilder s = new StringBuilder();
        s.append("data: {\"id\":\"chatcmpl-3\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\",\"choices\":["
                + "{\"index\":0,\"finish_reason\":null,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}},"
                + "{\"index\":1,\"finish_reason\":null,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
        for (int k = 0; k < 30; k++) {
            s.append(data(0, "reasoning_content", "step " + k + " "));
            if (k == 7) {
                s.append(": keep-alive\n\n");
            }
            if (k == 11) {
                s.append(data(0, "reasoning_content", "a \\\"quote\\\", \\u00e9t\u00e9 \\n"));
            }
            if (k == 13) {
                // the same chunk without the space after "data:", and with CRLF line ends
                s.append("data:").append(HEAD.formatted(0, "reasoning_content", "crlf ")).append("\r\n\r\n");
                s.append("data: ").append(HEAD.formatted(0, "reasoning_content", "crlf2 ")).append("\r\n\r\n");
            }
            if (k % 10 == 5) {
                s.append(data(1, "content", "other" + k + " "));
            }
        }
        s.append(data(0, "content", "\\\\boxed{42}"));
        s.append("data: {\"id\":\"chatcmpl-3\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"delta\":{}}]}\n\n");
        s.append("data: {\"id\":\"chatcmpl-3\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":1,\"finish_reason\":\"length\",\"delta\":{}}]}\n\n");
        s.append("data: {\"id\":\"chatcmpl-3\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":70,\"total_tokens\":82}}\n\n");
        s.append("data: [DONE]\n\n");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String expectedReasoning() {
        StringBuilder r = new StringBuilder();
        for (int k = 0; k < 30; k++) {
            r.append("step ").append(k).append(' ');
            if (k == 11) {
                r.append("a \"quote\", \u00e9t\u00e9 \n");
            }
            if (k == 13) {
                r.append("crlf crlf2 ");
            }
        }
        return r.toString();
    }

    /** The completion's samples and tokens as the stream arrives in pieces that end at {@code cuts}. */
    private static String assembled(byte[] bytes, int... cuts) {
        SseCompletion c = new SseCompletion(2, System.nanoTime());
        int from = 0;
        for (int cut : cuts) {
            c.feed(Buffer.buffer().appendBytes(bytes, from, cut - from));
            from = cut;
        }
        c.feed(Buffer.buffer().appendBytes(bytes, from, bytes.length - from));
        c.end();
        Completion done = c.completion();
        return done == null ? "incomplete" : done.choices() + " " + done.promptTokens() + "/" + done.completionTokens();
    }

    @Test
    void aStreamDeliveredWholeAssemblesEverySampleWithItsFinishReasonAndUsage() {
        Completion.Choice first = new Completion.Choice(0, expectedReasoning(), "\\boxed{42}", "stop");
        Completion.Choice second = new Completion.Choice(1, "", "other5 other15 other25 ", "length");
        assertThat(assembled(stream())).isEqualTo(List.of(first, second) + " 12/70");
    }

    @Test
    void aStreamSplitAnywhereAssemblesAsWhole() {
        // a piece may end inside "data: ", inside a text, between \r and \n, or just before a newline: a line is read
        // once it is whole, and never twice
        byte[] bytes = stream();
        String whole = assembled(bytes);
        List<Integer> differ = new ArrayList<>();
        for (int cut = 1; cut < bytes.length; cut++) {
            if (!assembled(bytes, cut).equals(whole)) {
                differ.add(cut);
            }
        }
        assertThat(differ).isEmpty();
        int[] everyByte = new int[bytes.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(assembled(bytes, everyByte)).isEqualTo(whole);
    }

    @Test
    void aBrokenChunkFramedLikeTheLastOneMakesTheCompletionUntrusted() {
        String ok = new String(stream(), StandardCharsets.UTF_8);
        String framing = "data: " + HEAD.formatted(0, "reasoning_content", "step 3 ");
        String unterminated = framing.replace("\"step 3 \"}}]}", "\"step 3 }}]}");
        String trailing = framing + " x";
        for (String broken : List.of(unterminated, trailing)) {
            byte[] bytes = ok.replace(framing + "\n", broken + "\n").getBytes(StandardCharsets.UTF_8);
            assertThat(assembled(bytes)).as(broken).isEqualTo("incomplete");
            assertThat(assembled(bytes, bytes.length / 3, bytes.length / 2)).as(broken).isEqualTo("incomplete");
        }
    }
}
