package dev.thoughtline.generation.client;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkReaderTest {

    private final List<String> seen = new ArrayList<>();
    private final ChunkReader reader = new ChunkReader();
    private final ChunkReader.Sink sink = new ChunkReader.Sink() {
        @Override
        public void delta(int index, String reasoning, String content, String finishReason) {
            seen.add(index + "|" + reasoning + "|" + content + "|" + finishReason);
        }

        @Override
        public void usage(long promptTokens, long completionTokens) {
            seen.add("usage " + promptTokens + "/" + completionTokens);
        }
    };

    private List<String> read(String json) throws ChunkReader.Malformed {
        byte[] b = ("data: " + json).getBytes(StandardCharsets.UTF_8);
        reader.read(b, 6, b.length, sink);
        return seen;
    }

    @Test
    void readsDeltasOfEveryChoiceAndSkipsWhatItDoesNotNeed() throws Exception {
        assertThat(read("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
                + "\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"think \"},"
                + "\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-0.25e-1,\"top\":[1,2,true,false]}]},\"finish_reason\":null},"
                + "{\"index\":1,\"delta\":{\"content\":\"answer\"},\"finish_reason\":\"stop\"}],\"usage\":null}"))
                .containsExactly("0|think |null|null", "1|null|answer|stop");
    }

    @Test
    void decodesEscapesAndUtf8() throws Exception {
        assertThat(read("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\\\"b\\\\c\\nd\\u00e9 \\ud83d\\ude00 é 😀 \\/\"}}]}"))
                .containsExactly("0|null|a\"b\\c\nd\u00e9 \ud83d\ude00 é 😀 /|null");
    }

    @Test
    void readsUsageFromTheLastChunk() throws Exception {
        assertThat(read("{\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":512,\"total_tokens\":529,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}")).containsExactly("usage 17/512");
    }

    @Test
    void chunksOfOneStreamReadAsEachWouldAlone() throws Exception {
        // consecutive chunks differ only in their text, until the framing changes: the reader takes the common
        // framing from the last chunk and reads only the text, and must say what a fresh reader says
        String head = "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":%d,\"model\":\"m\",\"choices\":[{\"index\":%d,";
        List<String> stream = List.of(
                String.format(head, 1, 0) + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
                String.format(head, 1, 0) + "\"delta\":{\"reasoning_content\":\"we \"},\"finish_reason\":null}]}",
                String.format(head, 1, 0) + "\"delta\":{\"reasoning_content\":\"add\"},\"finish_reason\":null}]}",
                String.format(head, 1, 0) + "\"delta\":{\"reasoning_content\":\"\\u00e9 \\\"q\\\" 😀\"},\"finish_reason\":null}]}",
                String.format(head, 2, 0) + "\"delta\":{\"reasoning_content\":\" then\"},\"finish_reason\":null}]}",
                String.format(head, 2, 1) + "\"delta\":{\"reasoning_content\":\" other\"},\"finish_reason\":null}]}",
                String.format(head, 2, 0) + "\"delta\":{\"content\":\"\\\\boxed{5}\"},\"finish_reason\":null}]}",
                String.format(head, 2, 0) + "\"delta\":{\"content\":\".\"},\"finish_reason\":\"stop\"}]}",
                String.format(head, 2, 0) + "\"delta\":{\"content\":\"x\",\"content\":\"y\"},\"finish_reason\":null}]}",
                String.format(head, 2, 0) + "\"delta\":{\"content\":\"z\"},\"finish_reason\":null}]}",
                "{\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":2,\"model\":\"m\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9}}");
        List<String> alone = new ArrayList<>();
        for (String chunk : stream) {
            ChunkReaderTest fresh = new ChunkReaderTest();
            alone.addAll(fresh.read(chunk));
        }
        for (String chunk : stream) {
            read(chunk);
        }
        assertThat(seen).isEqualTo(alone).contains("0|\u00e9 \"q\" 😀|null|null", "1| other|null|null", "0|null|\\boxed{5}|null",
                "0|null|.|stop", "0|null|y|null", "0|null|z|null");
    }

    @Test
    void aChunkLikeTheLastButForABrokenTextIsRefused() throws Exception {
        String head = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":";
        read(head + "\"fine\"}}]}");
        for (String bad : new String[] {head + "\"bad \\q\"}}]}", head + "\"cut}}]}", head + "\"tab\there\"}}]}",
                head + "\"fine\"}}]", head + "\"fine\"}}]}}"}) {
            // (what the reader passed on before it found the fault is dropped with the stream's completion)
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(ChunkReader.Malformed.class);
        }
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String bad : new String[] {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"cut", "{\"choices\":[]} trailing",
                "{\"choices\":[{\"index\":0 \"delta\":{}}]}", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\q\"}}]}", "",
                "[1,2]", "{\"a\":tru}", "{\"choices\":[{\"index\":x}]}"}) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(ChunkReader.Malformed.class);
        }
    }
}
