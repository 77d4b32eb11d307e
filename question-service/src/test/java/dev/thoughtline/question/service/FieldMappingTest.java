package dev.thoughtline.question.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.Domain;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldMappingTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private FieldMapping.Fields extract(FieldMapping m, String json) throws Exception {
        return m.extract(mapper.readTree(json));
    }

    @Test
    void defaultsToTextAnswerAndIdAndKeepsTheRestAsMetadata() throws Exception {
        FieldMapping.Fields f = extract(FieldMapping.defaults(), "{\"id\":3,\"text\":\" Q \",\"answer\":1.5,\"level\":2}");
        assertThat(f.text()).isEqualTo("Q");
        assertThat(f.answer()).isEqualTo("1.5");
        assertThat(f.externalId()).isEqualTo("3");
        assertThat(f.domain()).isNull();
        assertThat(f.metadata().toString()).isEqualTo("{\"level\":2,\"externalId\":\"3\"}");
    }

    @Test
    void followsDottedPathsIntoObjectsAndArrays() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("text", "messages.0.content", "domain", "meta.area", "metadata", ""));
        FieldMapping.Fields f = extract(m, "{\"messages\":[{\"content\":\"Solve it\"}],\"meta\":{\"area\":\"Science\"}}");
        assertThat(f.text()).isEqualTo("Solve it");
        assertThat(f.domain()).isEqualTo(Domain.SCIENCE);
        assertThat(f.metadata().size()).isZero();
    }

    @Test
    void namesWhatIsWrongWithARecord() {
        FieldMapping m = FieldMapping.defaults();
        assertThatThrownBy(() -> extract(m, "{\"answer\":\"1\"}")).hasMessage("missing text field 'text'");
        assertThatThrownBy(() -> extract(m, "{\"text\":[\"a\"]}")).hasMessage("text field 'text' must be a string, got an array");
        assertThatThrownBy(() -> extract(m, "{\"text\":\"q\",\"answer\":{}}"))
                .hasMessage("answer field 'answer' must be a string or a number, got an object");
        assertThatThrownBy(() -> extract(m, "{\"text\":\"q\",\"id\":true}")).hasMessageContaining("got a boolean");
        assertThatThrownBy(() -> extract(m, "{\"text\":\"q\",\"extra\":{\"k\":\"a\\u0000b\"}}")).hasMessageContaining("NUL");
    }

    @Test
    void refusesUnknownKeysAndEmptyPaths() {
        assertThatThrownBy(() -> FieldMapping.of(Map.of("question", "q"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown field mapping 'question'");
        assertThatThrownBy(() -> FieldMapping.of(Map.of("text", " "))).hasMessageContaining("names no field");
    }
}
