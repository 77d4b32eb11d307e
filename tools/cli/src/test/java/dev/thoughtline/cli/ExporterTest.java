package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExporterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ObjectNode trace() {
        ObjectNode t = MAPPER.createObjectNode().put("id", "q1#3").put("questionId", "q1").put("text", "What is 2 + 2?")
                .put("teacher", "big").put("sampleIndex", 3).put("reasoning", "Two and two.").put("content", "So \\boxed{4}.");
        ObjectNode meta = t.putObject("metadata").put("source", "arith").put("domain", "math");
        meta.putObject("scores").put("llm-difficulty", 2.5);
        return t;
    }

    @Test
    void aShareGptRowHasTheHumanTurnThenTheThinkBlockBeforeTheSolutionAndTheColumns() {
        ObjectNode row = new Exporter(null, MAPPER).row(trace(), "sharegpt");
        assertThat(row.at("/conversations/0/from").asText()).isEqualTo("human");
        assertThat(row.at("/conversations/0/value").asText()).isEqualTo("What is 2 + 2?");
        assertThat(row.at("/conversations/1/from").asText()).isEqualTo("gpt");
        assertThat(row.at("/conversations/1/value").asText()).isEqualTo("<think>\nTwo and two.\n</think>\n\nSo \\boxed{4}.");
        assertThat(row.get("source").asText()).isEqualTo("arith");
        assertThat(row.get("domain").asText()).isEqualTo("math");
        assertThat(row.get("difficulty").asDouble()).isEqualTo(2.5);
        assertThat(row.get("teacher").asText()).isEqualTo("big");
        assertThat(row.get("sample_index").asInt()).isEqualTo(3);
    }

    @Test
    void anOpenAiRowHasUserAndAssistantMessagesAndANonTraceIsRefused() {
        ObjectNode row = new Exporter(null, MAPPER).row(trace(), "openai");
        assertThat(row.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(row.at("/messages/1/role").asText()).isEqualTo("assistant");
        assertThat(row.at("/messages/1/content").asText()).startsWith("<think>\n");
        ObjectNode question = MAPPER.createObjectNode().put("id", "q").put("text", "?");
        assertThatThrownBy(() -> new Exporter(null, MAPPER).row(question, "sharegpt")).isInstanceOf(CliException.class)
                .hasMessageContaining("not a trace");
    }
}
