package dev.thoughtline.answercheck;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Huge, repeating and malicious responses: each is read with the answer it should give, well within a bound that a
 * linear reading meets many times over on a loaded machine and a quadratic one (tens of seconds) cannot. The
 * milliseconds themselves are measured by bench/extraction.sh, not here.
 */
class AdversarialResponsesTest {

    private static final int MIB = 1 << 20;
    private static final Duration BOUND = Duration.ofSeconds(2);

    private static <T> T quickly(Supplier<T> work) {
        return assertTimeoutPreemptively(BOUND, work::get);
    }

    private static Extraction extract(String response) {
        return quickly(() -> Extractor.extract(response));
    }

    private static String fill(String unit) {
        return unit.repeat(MIB / unit.length());
    }

    @Test
    void eightyThousandUnclosedBoxesGiveNoAnswer() {
        assertThat(extract("\\boxed{".repeat(80_000)).found()).isFalse();
        // a closed box after them is still found
        Extraction e = extract("\\boxed{".repeat(80_000) + " so \\boxed{42}");
        assertThat(e.answer()).isEqualTo("42");
        assertThat(e.source()).isEqualTo(Extraction.Source.BOXED);
    }

    @Test
    void aMebibyteOfBoxedAndFboxInterleavedAndUnclosedGivesNoAnswer() {
        assertThat(extract(fill("\\boxed{\\fbox{")).found()).isFalse();
        assertThat(extract(fill("\\fbox{\\boxed{") + "\\fbox{7}").answer()).isEqualTo("7");
    }

    @Test
    void bracesNestedAHundredThousandDeepAndClosedAreOneBox() {
        String inner = "{".repeat(100_000) + "1" + "}".repeat(100_000);
        Extraction e = extract("so \\boxed{" + inner + "} it is");
        assertThat(e.answer()).isEqualTo(inner);
        assertThat(e.source()).isEqualTo(Extraction.Source.BOXED);
    }

    @Test
    void bracesNestedAHundredThousandDeepAndUnclosedFallBackToTheLastNumber() {
        Extraction e = extract("\\boxed{" + "{".repeat(100_000) + "1" + "}".repeat(99_999));
        assertThat(e.answer()).isEqualTo("1");
        assertThat(e.source()).isEqualTo(Extraction.Source.TRAILING_NUMBER);
        assertThat(extract("\\boxed{" + "{".repeat(100_000)).found()).isFalse();
    }

    @Test
    void twentyThousandDigitsAfterTheFinalAnswerPhraseAreTheAnswer() {
        String digits = "7".repeat(20_000);
        Extraction e = extract("The final answer is " + digits);
        assertThat(e.answer()).isEqualTo(digits);
        assertThat(e.source()).isEqualTo(Extraction.Source.FINAL_ANSWER_PHRASE);
        // prose after the digits: the phrase's sentence is not a bare answer and does not end with a number
        assertThat(extract("The final answer is " + digits + " apples").answer()).isEqualTo(digits);
        assertThat(extract("The final answer is the value " + digits + ".5 ").answer()).isEqualTo(digits + ".5");
    }

    @Test
    void halfAMillionDigitsAfterTheFinalAnswerPhraseAreTheAnswer() {
        String digits = "7".repeat(500_000);
        assertThat(extract("The final answer is " + digits).answer()).isEqualTo(digits);
        assertThat(extract("The final answer is " + digits + " apples").answer()).isEqualTo(digits);
        assertThat(extract("The final answer is " + "1,234".repeat(100_000) + " apples").answer()).isEqualTo("234");
    }

    @Test
    void aPhraseRepeatedFiftyThousandTimesGivesTheAnswerAfterTheLastOne() {
        String phrases = "final answer is ".repeat(50_000);
        assertThat(extract(phrases).found()).isFalse();
        Extraction e = extract(phrases + "42");
        assertThat(e.answer()).isEqualTo("42");
        assertThat(e.offset()).isEqualTo(phrases.length() - "final answer is ".length());
    }

    @Test
    void aMebibyteOfAnswerLabelsGivesNoAnswer() {
        assertThat(extract(fill("Answer: ")).found()).isFalse();
        assertThat(extract(fill("Answer: ") + "12").answer()).isEqualTo("12");
    }

    @Test
    void aMebibyteOfDollarSignsIsReadAsDisplayMath() {
        // "$$$$$" is a display span around "$", again and again; the last one is the answer
        Extraction e = extract(fill("$"));
        assertThat(e.answer()).isEqualTo("$");
        assertThat(e.source()).isEqualTo(Extraction.Source.MATH_SPAN);
        assertThat(extract("x" + fill("$")).answer()).isEqualTo("$");
    }

    @Test
    void aMebibyteOfUnclosedDisplayAndInlineMathGivesNoAnswer() {
        assertThat(extract(fill("\\[")).found()).isFalse();
        assertThat(extract(fill("\\(")).found()).isFalse();
        // the first opening pairs with the one closing at the end
        Extraction e = extract("\\[" + "\\[".repeat(100_000) + " 7 \\]");
        assertThat(e.source()).isEqualTo(Extraction.Source.MATH_SPAN);
        assertThat(e.answer()).isEqualTo("\\[".repeat(100_000) + " 7");
    }

    @Test
    void aMebibyteOfThinkTagsGivesNoAnswer() {
        assertThat(extract(fill("</think>")).found()).isFalse();
        assertThat(extract(fill("</think>") + "so \\boxed{5}").answer()).isEqualTo("5");
        assertThat(extract(fill("<think>") + "so \\boxed{5}").answer()).isEqualTo("5");
    }

    @Test
    void aMebibyteOfOneRepeatedTokenGivesNoAnswer() {
        assertThat(extract(fill("wait ")).found()).isFalse();
        Extraction number = extract(fill("12 "));
        assertThat(number.answer()).isEqualTo("12");
        assertThat(number.source()).isEqualTo(Extraction.Source.TRAILING_NUMBER);
    }

    @Test
    void aMebibyteOfBoxesSideBySideAnswersTogether() {
        int boxes = MIB / "\\boxed{1} and ".length();
        Extraction e = extract("\\boxed{1} and ".repeat(boxes));
        assertThat(e.answer()).isEqualTo(String.join(", ", java.util.Collections.nCopies(boxes, "1")));
        assertThat(e.source()).isEqualTo(Extraction.Source.BOXED);
        // "1, 1, ..., 1" for every box of "\\boxed{1}\\boxed{1}..."
        assertThat(extract(fill("\\boxed{1}")).answer()).hasSize(3 * (MIB / "\\boxed{1}".length()) - 2);
    }

    @Test
    void aDegenerateResponseOf280KilobytesGivesTheTextAfterItsLastPhrase() {
        String loop = "Hmm, so the final answer is \\boxed{\\frac{1}{2} \\( 12,345 $x$ wait \\[ ";
        String response = "<think>\n" + loop.repeat(280 * 1024 / loop.length());
        Extraction e = extract(response);
        assertThat(e.answer()).isEqualTo("\\boxed{\\frac{1}{2} \\( 12,345 $x$ wait \\[");
        assertThat(e.source()).isEqualTo(Extraction.Source.FINAL_ANSWER_PHRASE);
    }

    @Test
    void checkingAdversarialResponsesGivesAVerdictWithoutSlowingDown() {
        Map<String, Verdict> expected = new LinkedHashMap<>();
        expected.put("\\boxed{".repeat(80_000), Verdict.UNKNOWN);
        expected.put(fill("\\boxed{\\fbox{"), Verdict.UNKNOWN);
        expected.put("The final answer is " + "7".repeat(500_000) + " apples", Verdict.UNKNOWN);
        expected.put(fill("final answer is ") + "1/2", Verdict.EQUAL);
        expected.put(fill("\\[") + "\\boxed{0.5}", Verdict.EQUAL);
        expected.put(fill("\\boxed{1} and "), Verdict.UNKNOWN);
        expected.put(fill("wait ") + "\\boxed{\\dfrac{1}{2}}", Verdict.EQUAL);
        for (Map.Entry<String, Verdict> c : expected.entrySet()) {
            AnswerChecker.Result r = quickly(() -> AnswerChecker.check("\\frac{1}{2}", c.getKey(), AnswerType.EXPRESSION));
            assertThat(r.verdict()).as(c.getKey().substring(0, 40)).isEqualTo(c.getValue());
        }
    }

    @Test
    void extractedAnswersWithLongRunsOfSpacesAreComparedQuickly() {
        // answers up to the length that is still compared (4 x Parser.MAX_LENGTH), spacing where the normaliser looks
        // for trailing words; ten of them, so that a comparison quadratic in the run (about a second each) shows
        String[] answers = {
                "1" + " ".repeat(3_990) + "x",
                "x" + " ".repeat(3_980) + "1 percentx",
                "1" + "\t ".repeat(1_995) + "z",
                "5" + " ".repeat(3_990) + "percent",
                "5" + " ".repeat(3_990) + "cm",
                "y" + " ".repeat(3_990) + "1 cm.",
                "\\text{" + " ".repeat(3_990) + "a",
                "x =" + " ".repeat(3_990) + "2",
                "2" + " ".repeat(3_990) + "\\%",
                " ".repeat(3_999) + "7",
        };
        Verdict[] verdicts = quickly(() -> {
            Verdict[] out = new Verdict[answers.length];
            for (int i = 0; i < answers.length; i++) {
                out[i] = AnswerChecker.check("5", "so \\boxed{" + answers[i] + "}", AnswerType.EXPRESSION).verdict();
            }
            return out;
        });
        assertThat(verdicts[3]).as("5 percent").isEqualTo(Verdict.EQUAL);
        assertThat(verdicts[4]).as("5 cm").isEqualTo(Verdict.EQUAL);
        assertThat(verdicts[0]).as("x").isNotEqualTo(Verdict.EQUAL);
    }
}
