package dev.thoughtline.generation.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
