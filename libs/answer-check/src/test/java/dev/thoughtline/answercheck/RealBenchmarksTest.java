package dev.thoughtline.answercheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real data, when ../shared/data is beside the repository (CI has it; a user's clone does not, and these tests
 * skip): MATH500's reference solutions against its answers, and answers of different problems against each other.
 */
class RealBenchmarksTest {

    private static Optional<Path> file(String relative) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/data").resolve(relative).normalize();
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static List<JsonNode> rows(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(mapper.readTree(line));
            }
        }
        return out;
    }

    @Test
    void math500ReferenceSolutionsAgreeWithTheirAnswers() throws IOException {
        Optional<Path> f = file("benchmarks/math500.jsonl");
        Assumptions.assumeTrue(f.isPresent(), "../shared/data is not here");
        List<JsonNode> rows = rows(f.get());
        int equal = 0;
        List<String> misses = new ArrayList<>();
        for (JsonNode r : rows) {
            String solution = r.path("extra").path("solution").asText();
            AnswerChecker.Result result = AnswerChecker.check(r.get("answer").asText(), solution, AnswerType.EXPRESSION);
            if (result.verdict() == Verdict.EQUAL) {
                equal++;
            } else {
                misses.add(r.get("answer").asText() + " / " + result.extraction().answer() + " -> " + result.verdict());
            }
        }
        System.out.printf("MATH500: %d of %d reference solutions equal their answer; misses: %s%n", equal, rows.size(), misses);
        assertThat(equal).isGreaterThanOrEqualTo((int) Math.ceil(rows.size() * 0.97));
    }

    /**
     * MATH500's answers rewritten the way models write them ({@code \\frac} as {@code \\dfrac} or as a slash
     * between parenthesised parts, {@code \\left}/{@code \\right} added, spaces changed, dollar signs and a final period):
     * each must still equal its original. This needs the parser, not string matching.
     */
    @Test
    void math500AnswersRewrittenAsModelsWriteThemStillMatch() throws IOException {
        Optional<Path> f = file("benchmarks/math500.jsonl");
        Assumptions.assumeTrue(f.isPresent(), "../shared/data is not here");
        List<JsonNode> rows = rows(f.get());
        int checked = 0;
        int equal = 0;
        List<String> misses = new ArrayList<>();
        java.util.regex.Pattern simpleFrac = java.util.regex.Pattern.compile("\\\\frac\\{([^{}]+)\\}\\{([^{}]+)\\}");
        for (JsonNode r : rows) {
            String gold = r.get("answer").asText();
            List<String> variants = new ArrayList<>();
            variants.add("$" + gold.replace("\\frac", "\\dfrac") + "$.");
            variants.add(simpleFrac.matcher(gold).replaceAll("($1)/($2)"));
            variants.add(gold.replace(" ", "").replace("(", "\\left(").replace(")", "\\right)"));
            for (String v : variants) {
                if (v.equals(gold)) {
                    continue;
                }
                checked++;
                Verdict verdict = AnswerChecker.equivalent(gold, v, AnswerType.EXPRESSION);
                if (verdict == Verdict.EQUAL) {
                    equal++;
                } else {
                    misses.add(gold + " / " + v + " -> " + verdict);
                }
            }
        }
        System.out.printf("MATH500 rewritten: %d of %d equal; misses: %s%n", equal, checked, misses);
        assertThat(equal).isGreaterThanOrEqualTo((int) Math.ceil(checked * 0.97));
    }

    @Test
    void answersOfDifferentProblemsAreRarelyEqual() throws IOException {
        Optional<Path> f = file("benchmarks/math500.jsonl");
        Assumptions.assumeTrue(f.isPresent(), "../shared/data is not here");
        List<String> answers = rows(f.get()).stream().map(r -> r.get("answer").asText()).toList();
        int equal = 0;
        int pairs = 0;
        for (int i = 0; i < answers.size(); i++) {
            String a = answers.get(i);
            String b = answers.get((i + 1) % answers.size());
            if (Normalizer.normalize(a).text().equals(Normalizer.normalize(b).text())) {
                continue;
            }
            pairs++;
            if (AnswerChecker.equivalent(a, b) == Verdict.EQUAL) {
                equal++;
                System.out.println("equal across problems: " + a + " / " + b);
            }
        }
        assertThat(equal).isLessThanOrEqualTo(pairs / 100);
    }

    @Test
    void everyAimeAnswerIsAnIntegerThatMatchesItselfInAResponse() throws IOException {
        for (String name : List.of("aime24", "aime25", "amc23", "hmmt_feb25")) {
            Optional<Path> f = file("benchmarks/" + name + ".jsonl");
            Assumptions.assumeTrue(f.isPresent(), "../shared/data is not here");
            for (JsonNode r : rows(f.get())) {
                String gold = r.get("answer").asText();
                String response = "<think>Let me compute... 17 and 4.</think>Therefore the answer is $\\boxed{" + gold + "}$.";
                assertThat(AnswerChecker.check(gold, response, AnswerType.AUTO).verdict()).as(name + " " + gold).isEqualTo(Verdict.EQUAL);
                String wrong = "Therefore the answer is $\\boxed{" + gold + "+1}$.";
                assertThat(AnswerChecker.check(gold, wrong, AnswerType.AUTO).verdict()).as(name + " " + gold + "+1").isNotEqualTo(Verdict.EQUAL);
            }
        }
    }
}
