package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NdjsonTest {

    private final ObjectMapper mapper = Json.newMapper();

    @Test
    void writesOneItemPerLineAndReadsThemBack() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Ndjson.Writer w = new Ndjson.Writer(mapper, out)) {
            w.write(new QuestionItem("1", "What is 2+2?\nExplain.", Domain.MATH, "gsm8k", "4", Map.of("k", 1)));
            w.write(new QuestionItem("2", "Sort a list", Domain.CODE, "apps", null, Map.of()));
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text.split("\n")).hasSize(2);
        assertThat(text).doesNotContain("\"answer\":null");
        List<QuestionItem> back = new ArrayList<>();
        new Ndjson.Reader(mapper, new ByteArrayInputStream(out.toByteArray()))
                .forEachRemaining(n -> back.add(mapper.convertValue(n, QuestionItem.class)));
        assertThat(back).extracting(QuestionItem::id, QuestionItem::domain, QuestionItem::answer)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1", Domain.MATH, "4"),
                        org.assertj.core.groups.Tuple.tuple("2", Domain.CODE, null));
        assertThat(back.get(0).text()).isEqualTo("What is 2+2?\nExplain.");
    }

    @Test
    void aMalformedLineFailsNamingItsLine() {
        byte[] page = "{\"id\":\"1\"}\n\n{oops\n".getBytes(StandardCharsets.UTF_8);
        Ndjson.Reader r = new Ndjson.Reader(mapper, new ByteArrayInputStream(page));
        JsonNode first = r.next();
        assertThat(first.get("id").asText()).isEqualTo("1");
        assertThatThrownBy(r::hasNext).isInstanceOf(Ndjson.NdjsonException.class).hasMessageStartingWith("line 3:");
    }

    @Test
    void problemDetailsOmitWhatIsEmpty() throws Exception {
        String json = mapper.writeValueAsString(Problem.of(404, "Not found", "source 9 does not exist"));
        assertThat(json).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Not found\",\"status\":404,\"detail\":\"source 9 does not exist\"}");
        String withLines = mapper.writeValueAsString(Problem.of(400, "Bad", "x").withErrors(List.of(new LineError(3, "why"))));
        assertThat(withLines).contains("\"errors\":[{\"line\":3,\"reason\":\"why\"}]");
    }
}
