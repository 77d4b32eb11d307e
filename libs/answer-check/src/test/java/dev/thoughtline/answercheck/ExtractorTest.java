package dev.thoughtline.answercheck;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExtractorTest {

    @Test
    void takesTheLastBoxedAnswerWithNestedBraces() {
        Extraction e = Extractor.extract("First \\boxed{1}. Then, finally, $\\boxed{\\frac{\\sqrt{3}}{2}}$.");
        assertThat(e.answer()).isEqualTo("\\frac{\\sqrt{3}}{2}");
        assertThat(e.source()).isEqualTo(Extraction.Source.BOXED);
    }

    @Test
    void readsFboxAndABoxedTokenWithoutBraces() {
        assertThat(Extractor.extract("so \\fbox{7} it is").source()).isEqualTo(Extraction.Source.FBOX);
        assertThat(Extractor.extract("so \\fbox{7} it is").answer()).isEqualTo("7");
        assertThat(Extractor.extract("the result is $\\boxed 5$").answer()).isEqualTo("5");
    }

    @Test
    void prefersTheAnswerAfterTheThinkBlock() {
        String r = "<think>maybe \\boxed{3}? no, let me recheck</think>The answer is \\boxed{4}.";
        assertThat(Extractor.extract(r).answer()).isEqualTo("4");
        String onlyInside = "<think>so it is \\boxed{9}</think>";
        assertThat(Extractor.extract(onlyInside).answer()).isEqualTo("9");
    }

    @Test
    void fallsBackToTheFinalAnswerPhrase() {
        Extraction e = Extractor.extract("Adding them up.\nThe final answer is $\\frac{3}{4}$. I hope it is correct.");
        assertThat(e.answer()).isEqualTo("\\frac{3}{4}");
        assertThat(e.source()).isEqualTo(Extraction.Source.FINAL_ANSWER_PHRASE);
        assertThat(Extractor.extract("Final Answer: 3.5. Done").answer()).isEqualTo("3.5");
        // prose after the phrase: the number it ends with, else its last math span
        assertThat(Extractor.extract("Final Answer: The volume of $ABCD$ is 120. I hope it is correct.").answer()).isEqualTo("120");
        assertThat(Extractor.extract("Final Answer: the pair we want is $(3, 4)$ here").answer()).isEqualTo("(3, 4)");
    }

    @Test
    void fallsBackToAnAnswerLabelWithMarkdown() {
        Extraction e = Extractor.extract("Work...\n**Answer:** $12$\n");
        assertThat(e.answer()).isEqualTo("12");
        assertThat(e.source()).isEqualTo(Extraction.Source.ANSWER_LABEL);
        assertThat(Extractor.extract("Thus the answer is (C) because ...").answer()).startsWith("(C)");
    }

    @Test
    void fallsBackToTheLastNumberInProse() {
        Extraction e = Extractor.extract("She has 3 apples and buys 4 more, so in the end she holds 7 apples in total");
        assertThat(e.answer()).isEqualTo("7");
        assertThat(e.source()).isEqualTo(Extraction.Source.TRAILING_NUMBER);
        assertThat(Extractor.extract("so the total comes to -1,250 dollars after all of that").answer()).isEqualTo("-1,250");
    }

    @Test
    void fallsBackToTheLastMathSpan() {
        Extraction e = Extractor.extract("Answer \\[ 9 \\]");
        assertThat(e.answer()).isEqualTo("9");
        assertThat(e.source()).isEqualTo(Extraction.Source.MATH_SPAN);
        assertThat(Extractor.extract("We first get $x = 2$, and then in the end $y = 7$ holds for all cases").answer()).isEqualTo("y = 7");
        assertThat(Extractor.extract("Answer $$ 10 $$").answer()).isEqualTo("10");
        assertThat(Extractor.extract("Answer \\( (9+1) \\)").answer()).isEqualTo("(9+1)");
        assertThat(Extractor.extract("it costs $ \\frac{1}{2} \\$ = 3 $").answer()).isEqualTo("\\frac{1}{2} \\$ = 3");
    }

    @Test
    void aShortBareResponseIsItsOwnAnswer() {
        Extraction e = Extractor.extract("x^2 + 1");
        assertThat(e.answer()).isEqualTo("x^2 + 1");
        assertThat(e.source()).isEqualTo(Extraction.Source.WHOLE);
    }

    @Test
    void reportsNothingWhenThereIsNoAnswer() {
        assertThat(Extractor.extract("I am not sure how to approach this problem at all").found()).isFalse();
        assertThat(Extractor.extract("").found()).isFalse();
        assertThat(Extractor.extract(null).found()).isFalse();
        assertThat(Extractor.extract("an unclosed \\boxed{12 and then nothing more happens here").source())
                .isNotEqualTo(Extraction.Source.BOXED);
    }

    @Test
    void findsMultipleChoiceLetters() {
        assertThat(Extractor.choiceLetter("(B)")).isEqualTo("B");
        assertThat(Extractor.choiceLetter("\\text{(D)}")).isEqualTo("D");
        assertThat(Extractor.choiceLetter("C) 42")).isEqualTo("C");
        assertThat(Extractor.choiceLetter("option A")).isEqualTo("A");
        assertThat(Extractor.choiceLetter("42")).isNull();
        assertThat(Extractor.choiceLetter("Because")).isNull();
    }

    @Test
    void aFinalAnswerPhraseAfterTheLastBoxWinsOverIt() {
        String r = "Step one gives $\\boxed{40}$. Step two gives $\\boxed{15}$. So the total is 55.\nThe final answer is $55$.";
        assertThat(Extractor.extract(r).answer()).isEqualTo("55");
        assertThat(Extractor.extract(r).source()).isEqualTo(Extraction.Source.FINAL_ANSWER_PHRASE);
    }

    @Test
    void boxesSideBySideAnswerTogether() {
        assertThat(Extractor.extract("The roots are \\boxed{3} and \\boxed{-4}.").answer()).isEqualTo("3, -4");
        assertThat(Extractor.extract("$\\boxed{5}\\quad\\text{and}\\quad\\boxed{6}$").answer()).isEqualTo("5, 6");
        // "or" between boxes gives one answer in two forms: the last
        assertThat(Extractor.extract("$d = \\boxed{2\\frac{1}{2}}$, or $\\boxed{\\frac{5}{2}}$ inches.").answer()).isEqualTo("\\frac{5}{2}");
        // boxes far apart in a derivation do not
        assertThat(Extractor.extract("First \\boxed{2}, which we double to get \\boxed{4}.").answer()).isEqualTo("4");
    }

    @Test
    void aNumberInTheProseAfterTheLastMathSpanEndsTheResponse() {
        assertThat(Extractor.extract("Since $r = 2$ and $h = 3$, the cone holds 12 litres.").answer()).isEqualTo("12");
        assertThat(Extractor.extract("Multiplying, we get $x = 12$.").answer()).isEqualTo("x = 12");
        assertThat(Extractor.extract("Final Answer: Tom arrives 4 minutes late. Thanks").answer()).isEqualTo("4");
    }
}
