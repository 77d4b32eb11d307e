package dev.thoughtline.answercheck;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's own table of (gold, prediction, expected) cases, a few hundred across every category the
 * checker handles: equal pairs and, as important, pairs that must not be equal.
 */
class EquivalenceTableTest {

    record Case(String category, Verdict expected, String gold, String prediction, AnswerType type) {
        @Override
        public String toString() {
            return category + ": " + gold + " vs " + prediction + " -> " + expected.jsonName();
        }
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = EquivalenceTableTest.class.getResourceAsStream("/equivalence-cases.tsv")) {
            String category = "";
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("# ")) {
                    category = line.substring(2);
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                out.add(new Case(category, Verdict.valueOf(f[0].toUpperCase()), f[1], f[2],
                        f.length > 3 ? AnswerType.of(f[3]) : AnswerType.AUTO));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersAreJudgedAsTheTableSays(Case c) {
        assertThat(AnswerChecker.equivalent(c.gold(), c.prediction(), c.type())).as(c.toString()).isEqualTo(c.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void equivalenceIsSymmetricForEqualPairs(Case c) {
        if (c.expected() == Verdict.EQUAL && c.type() == AnswerType.AUTO) {
            assertThat(AnswerChecker.equivalent(c.prediction(), c.gold(), c.type())).as(c.toString()).isEqualTo(Verdict.EQUAL);
        }
    }

    @Test
    void theTableIsBroadAndHasAsManyMustDifferCasesAsItNeeds() throws IOException {
        List<Case> all = cases();
        Map<String, Integer> perCategory = new HashMap<>();
        all.forEach(c -> perCategory.merge(c.category(), 1, Integer::sum));
        assertThat(all).hasSizeGreaterThanOrEqualTo(300);
        assertThat(perCategory).hasSizeGreaterThanOrEqualTo(15);
        assertThat(all.stream().filter(c -> c.expected() == Verdict.DIFFERENT).count()).isGreaterThanOrEqualTo(80);
    }
}
