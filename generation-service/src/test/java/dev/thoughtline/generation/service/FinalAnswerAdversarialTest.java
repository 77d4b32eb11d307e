package dev.thoughtline.generation.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Huge and degenerate teacher output, read on the event loop: each gives its answer well within a bound that a linear
 * reading meets many times over on a loaded machine and a quadratic one (tens of seconds) cannot. The milliseconds
 * themselves are measured by bench/extraction.sh.
 */
class FinalAnswerAdversarialTest {

    private static final int MIB = 1 << 20;

    private static String of(String content, String reasoning) {
        return assertTimeoutPreemptively(Duration.ofSeconds(2), () -> FinalAnswer.of(content, reasoning));
    }

    private static String fill(String unit) {
        return unit.repeat(MIB / unit.length());
    }

    @Test
    void eightyThousandUnclosedBoxesGiveNoAnswer() {
        assertThat(of("\\boxed{".repeat(80_000), null)).isNull();
        assertThat(of("\\boxed{".repeat(80_000), "\\boxed{".repeat(80_000) + "\\boxed{3}")).isEqualTo("3");
    }

    @Test
    void aMebibyteOfBoxedAndFboxInterleavedGivesNoAnswerUnlessOneCloses() {
        assertThat(of(fill("\\boxed{\\fbox{"), null)).isNull();
        assertThat(of(fill("\\fbox {\\boxed\n{") + "\\fbox{7}", null)).isEqualTo("7");
    }

    @Test
    void bracesNestedAHundredThousandDeepAreOneBoxWhenClosed() {
        String inner = "{".repeat(100_000) + "1" + "}".repeat(100_000);
        assertThat(of("so \\boxed{" + inner + "} it is", null)).isEqualTo(inner);
        assertThat(of("\\boxed{" + "{".repeat(100_000) + "1" + "}".repeat(100_000), null)).isNull();
    }

    @Test
    void aMebibyteOfRepeatedTextWithoutABoxGivesNoAnswer() {
        for (String unit : List.of("final answer is ", "Answer: ", "$", "\\[", "</think>", "wait ", "7", "\\")) {
            assertThat(of(fill(unit), fill(unit))).as(unit).isNull();
        }
    }

    @Test
    void aMebibyteOfBoxesSideBySideGivesTheLast() {
        assertThat(of(fill("\\boxed{1} and ") + "\\boxed{2}", null)).isEqualTo("2");
    }

    @Test
    void aDegenerateResponseOf280KilobytesGivesTheLastBoxThatCloses() {
        String loop = "Hmm, so the final answer is \\boxed{\\frac{1}{2} \\( 12,345 $x$ wait \\[ ";
        String degenerate = loop.repeat(280 * 1024 / loop.length());
        assertThat(of(degenerate, null)).isNull();
        assertThat(of("", "\\boxed{5} then " + degenerate)).isEqualTo("5");
    }
}
