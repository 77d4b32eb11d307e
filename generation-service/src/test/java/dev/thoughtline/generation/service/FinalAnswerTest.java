package dev.thoughtline.generation.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class FinalAnswerTest {

    @Test
    void theLastBoxOfTheContentIsTheAnswerWithItsBracesNested() {
        assertThat(FinalAnswer.of("first \\boxed{1}, then \\boxed{\\frac{1}{2}} .", "")).isEqualTo("\\frac{1}{2}");
        assertThat(FinalAnswer.of("so \\fbox{ 7 }", null)).isEqualTo("7");
    }

    @Test
    void aBoxMayStandApartFromItsBraceByWhitespaceOnly() {
        assertThat(FinalAnswer.of("\\boxed {42}", null)).isEqualTo("42");
        assertThat(FinalAnswer.of("\\boxed\n{42}", null)).isEqualTo("42");
        assertThat(FinalAnswer.of("\\boxedx{1} and \\boxed{2} then \\boxedy{3}", null)).as("not a box command").isEqualTo("2");
    }

    @Test
    void withoutABoxInTheContentTheReasoningsLastBoxCounts() {
        assertThat(FinalAnswer.of("the answer is 5", "try \\boxed{4}, no: \\boxed{5}")).isEqualTo("5");
        assertThat(FinalAnswer.of("an unclosed \\boxed{5", "nothing boxed")).isNull();
    }

    @Test
    void aMegabyteOfUnclosedBoxesAndNestedBracesTakesMillisecondsNotMinutes() {
        // what a teacher can answer: every box a candidate whose braces never close, so the answer was quadratic
        String boxes = "\\boxed{".repeat(150_000);
        String nested = "{\\boxed{".repeat(60_000) + "{{".repeat(100_000);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertThat(FinalAnswer.of(boxes, boxes)).isNull();
            assertThat(FinalAnswer.of(nested, null)).isNull();
            assertThat(FinalAnswer.of("\\boxed{1} " + boxes, null)).isEqualTo("1");
            assertThat(FinalAnswer.of("\\fbox{2} " + nested + "}}", null)).isEqualTo("2");
        });
    }

    @Test
    void theLinearSearchFindsWhatTheSearchOfEachCandidateFinds() {
        String[] pieces = {"\\boxed", "\\fbox", "{", "}", "\\", " ", "\n", "x", "1", "\\boxedx", "\\{"};
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(1, 24);
            for (int i = 0; i < length; i++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            assertThat(FinalAnswer.lastBoxed(text.toString())).as(text.toString()).isEqualTo(eachCandidate(text.toString()));
        }
    }

    /** The answer by the definition: from the last box command back, the first whose brace closes. */
    private static String eachCandidate(String text) {
        for (int at = text.length() - 1; at >= 0; at--) {
            int name = text.startsWith("\\boxed", at) ? 6 : text.startsWith("\\fbox", at) ? 5 : 0;
            if (name == 0) {
                continue;
            }
            int open = text.indexOf('{', at);
            if (open < 0 || !text.substring(at + name, open).isBlank()) {
                continue;
            }
            int depth = 0;
            for (int i = open; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\' && i + 1 < text.length()) {
                    i++;
                } else if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    return text.substring(open + 1, i).strip();
                }
            }
        }
        return null;
    }
}
