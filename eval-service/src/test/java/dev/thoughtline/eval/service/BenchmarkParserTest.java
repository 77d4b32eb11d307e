package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.AnswerType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchmarkParserTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static BenchmarkParser gpqa() {
        return new BenchmarkParser(MAPPER, "gpqa", AnswerType.CHOICE,
                new BenchmarkParser.Fields(null, "Question", null, "Correct Answer",
                        List.of("Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")));
    }

    private static String row(int i) {
        // as in GPQA's files: the correct answer always comes first
        return "{\"Record ID\":\"rec" + i + "\",\"Question\":\"Question number " + i + "?\",\"Correct Answer\":\"right " + i
                + "\",\"Incorrect Answer 1\":\"wrong a" + i + "\",\"Incorrect Answer 2\":\"wrong b" + i + "\",\"Incorrect Answer 3\":\"wrong c" + i + "\"}";
    }

    @Test
    void shuffledChoicesPutTheCorrectAnswerEvenlyOnEveryLetter() {
        BenchmarkParser p = gpqa();
        int n = 800;
        for (int i = 1; i <= n; i++) {
            p.line(i, row(i));
        }
        assertThat(p.errors()).isEmpty();
        int[] counts = new int[4];
        for (ObjectNode item : p.items()) {
            String letter = item.get("answer").asText();
            counts[letter.charAt(0) - 'A']++;
            int index = letter.charAt(0) - 'A';
            // the letter points at the correct answer's text
            assertThat(item.get("metadata").get("choices").get(index).asText()).startsWith("right ");
            assertThat(item.get("text").asText()).contains(letter + ") right ");
        }
        // chi-square with 3 degrees of freedom: 16.27 is its 0.001 quantile; a shared or re-seeded generator gives ~2400
        double expected = n / 4.0;
        double chi2 = 0;
        for (int c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        assertThat(chi2).as("letters %s", java.util.Arrays.toString(counts)).isLessThan(16.27);
    }

    @Test
    void aQuestionsOrderDependsOnItselfAloneAndIsTheSameOnEveryImport() {
        BenchmarkParser a = gpqa();
        a.line(1, row(7));
        a.line(2, row(8));
        BenchmarkParser b = gpqa();
        b.line(1, row(8));
        b.line(2, row(7));
        assertThat(a.items().get(0).get("text")).isEqualTo(b.items().get(1).get("text"));
        assertThat(a.items().get(1).get("answer")).isEqualTo(b.items().get(0).get("answer"));
    }

    @Test
    void missingAnswersDuplicateIdsAndNonIntegerAnswersAreReportedWithTheirLines() {
        BenchmarkParser p = new BenchmarkParser(MAPPER, "aime", AnswerType.INTEGER, BenchmarkParser.Fields.defaults());
        p.line(1, "{\"id\":\"a\",\"problem\":\"P1\",\"answer\":\"12\"}");
        p.line(2, "{\"id\":\"b\",\"problem\":\"P2\"}");
        p.line(3, "{\"id\":\"a\",\"problem\":\"P3\",\"answer\":\"3\"}");
        p.line(4, "{\"id\":\"c\",\"problem\":\"P4\",\"answer\":\"\\\\frac{1}{2}\"}");
        p.line(5, "not json");
        p.line(6, "");
        p.line(7, "{\"id\":\"d\",\"answer\":\"5\"}");
        p.line(8, "{\"id\":\"e\",\"problem\":\"P8\",\"answer\":40}");
        assertThat(p.errors()).extracting(e -> e.line()).containsExactly(2L, 3L, 4L, 5L, 7L);
        assertThat(p.errors().get(0).reason()).contains("no answer");
        assertThat(p.errors().get(1).reason()).contains("'a'").contains("line 1");
        assertThat(p.errors().get(2).reason()).contains("not an integer");
        assertThat(p.errors().get(3).reason()).contains("not JSON");
        assertThat(p.errors().get(4).reason()).contains("no question text");
        assertThat(p.items()).extracting(i -> i.get("answer").asText()).containsExactly("12", "40");
    }

    @Test
    void unmappedFieldsAreKeptAsMetadataAndAnIdIsMadeWhenTheRowHasNone() {
        BenchmarkParser p = new BenchmarkParser(MAPPER, "m", AnswerType.EXPRESSION, BenchmarkParser.Fields.defaults());
        p.line(3, "{\"problem\":\"What is x?\",\"answer\":\"\\\\frac12\",\"level\":5,\"subject\":\"Algebra\"}");
        ObjectNode item = p.items().get(0);
        assertThat(item.get("id").asText()).isEqualTo("m-3");
        assertThat(item.get("answerType").asText()).isEqualTo("expression");
        assertThat(item.get("metadata").get("level").asInt()).isEqualTo(5);
        assertThat(item.get("metadata").has("problem")).isFalse();
    }
}
