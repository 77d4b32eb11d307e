package dev.thoughtline.answercheck;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class MainTest {

    private static String run(String input) throws Exception {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            Main.main(new String[0]);
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesOneVerdictPerInputLineInOrder() throws Exception {
        String out = run("""
                {"gold": "\\\\frac{1}{2}", "prediction": "so it is \\\\boxed{0.5}"}
                {"gold": "(0,9)", "prediction": "The answer is $[0,9)$."}
                {"gold": "B", "prediction": "Answer: (B)", "answerType": "choice"}
                {"gold": 42, "prediction": "I do not know"}
                """);
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("{\"verdict\":\"equal\",\"extracted\":\"0.5\",\"source\":\"boxed\"}");
        assertThat(lines[1]).isEqualTo("{\"verdict\":\"different\",\"extracted\":\"[0,9)\",\"source\":\"answer_label\"}");
        assertThat(lines[2]).startsWith("{\"verdict\":\"equal\"");
        assertThat(lines[3]).isEqualTo("{\"verdict\":\"unknown\",\"extracted\":null,\"source\":\"none\"}");
    }

    @Test
    void aBadLineGetsAnErrorAndTheRunGoesOn() throws Exception {
        String out = run("""
                not json
                {"gold": "1"}
                {"gold": "1", "prediction": "\\\\boxed{1}", "extra": {"nested": [1, 2]}}
                """);
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).contains("\"verdict\":\"unknown\"").contains("\"error\":\"not a JSON object");
        assertThat(lines[1]).contains("\"error\":\"gold and prediction are required\"");
        assertThat(lines[2]).startsWith("{\"verdict\":\"equal\"");
    }

    @Test
    void escapesWhatItWritesAndDecodesUnicodeEscapes() throws Exception {
        String out = run("{\"gold\": \"\\u03c0\", \"prediction\": \"\\\\boxed{\\\\pi}\"}\n");
        assertThat(out.strip()).isEqualTo("{\"verdict\":\"equal\",\"extracted\":\"\\\\pi\",\"source\":\"boxed\"}");
    }

    @Test
    void threeLinesOf560KilobytesAreAnsweredInLinearTime() {
        int size = 560 * 1024;
        String boxes = "\\boxed{".repeat(size / 7);
        String digits = "7".repeat(size - 28);
        String displays = "\\[".repeat(size / 2);
        String input = line(boxes) + line("The final answer is " + digits + " apples") + line(displays + "\\boxed{1}");
        String out = assertTimeoutPreemptively(java.time.Duration.ofSeconds(2), () -> run(input));
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).isEqualTo("{\"verdict\":\"unknown\",\"extracted\":null,\"source\":\"none\"}");
        assertThat(lines[1]).isEqualTo("{\"verdict\":\"unknown\",\"extracted\":\"" + digits + "\",\"source\":\"final_answer_phrase\"}");
        assertThat(lines[2]).isEqualTo("{\"verdict\":\"equal\",\"extracted\":\"1\",\"source\":\"boxed\"}");
    }

    private static String line(String prediction) {
        return "{\"gold\": \"1\", \"prediction\": \"" + prediction.replace("\\", "\\\\") + "\"}\n";
    }
}
