package dev.thoughtline.cli;

import dev.thoughtline.answercheck.AnswerChecker;
import dev.thoughtline.answercheck.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class QuestionGeneratorTest {

    /** The expression a problem asks about: after "Compute", "Evaluate", "what is", "the value of". */
    private static final Pattern EXPRESSION = Pattern.compile("(?:Compute|Evaluate|What is|what is|value of) ([\\d ^*/+()-]+)");

    @Test
    void everyAnswerIsTheExactValueOfTheExpressionItsProblemAsksAbout() {
        List<QuestionGenerator.Problem> problems = QuestionGenerator.generate(600, 7, "t");
        for (QuestionGenerator.Problem p : problems) {
            Matcher m = EXPRESSION.matcher(p.text());
            String expr = null;
            while (m.find()) {
                expr = m.group(1);
            }
            assertThat(expr).as(p.text()).isNotNull();
            assertThat(AnswerChecker.equivalent(p.answer(), expr.strip())).as(p.text() + " = " + p.answer()).isEqualTo(Verdict.EQUAL);
        }
    }

    @Test
    void theSameSeedGivesTheSameProblemsAndAnotherSeedOthers() {
        assertThat(QuestionGenerator.generate(50, 3, "a")).isEqualTo(QuestionGenerator.generate(50, 3, "a"));
        assertThat(QuestionGenerator.generate(50, 4, "a").stream().map(QuestionGenerator.Problem::text).toList())
                .isNotEqualTo(QuestionGenerator.generate(50, 3, "a").stream().map(QuestionGenerator.Problem::text).toList());
        assertThat(QuestionGenerator.generate(200, 3, "a").stream().map(QuestionGenerator.Problem::id).distinct().count()).isEqualTo(200);
    }
}
