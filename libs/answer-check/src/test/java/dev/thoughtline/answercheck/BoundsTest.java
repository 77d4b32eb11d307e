package dev.thoughtline.answercheck;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Pathological answers get a verdict (usually "unknown") at once: nothing hangs, nothing throws. */
class BoundsTest {

    private static final List<String> PATHOLOGICAL = List.of(
            "9^{9^{9^{9^{9}}}}",
            "10^{10^{10}}",
            "1000000!",
            "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((x",
            "\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{\\frac{1}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}}{2}",
            "x".repeat(5000),
            "1+".repeat(400) + "1",
            "\\binom{100000}{50000}",
            "2^{100000}",
            "\\sqrt[1000000]{2}",
            "\\{" + "1,".repeat(300) + "1\\}",
            "\\begin{pmatrix}" + "1&".repeat(200) + "1\\end{pmatrix}",
            "}}}{{{\\frac",
            "\\boxed{",
            "1/0",
            "0^{-1}",
            "\\ln 0",
            "(1,2]]");

    @Test
    void pathologicalAnswersGetAVerdictQuickly() {
        for (String a : PATHOLOGICAL) {
            for (String b : List.of("1", a, a + "+1")) {
                long t0 = System.nanoTime();
                Verdict v = AnswerChecker.equivalent(a, b);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(v).as(a + " vs " + b).isNotNull();
                // generous for a cold JIT on a shared machine; a hang would take seconds to forever
                assertThat(ms).as("%s vs %s took %d ms", a, b, ms).isLessThan(500);
            }
        }
    }

    @Test
    void hugeValuesThatDoublesCannotTellApartAreUnknownNotEqual() {
        assertThat(AnswerChecker.equivalent("10^{10^{10}}", "10^{10^{10}}+1")).isEqualTo(Verdict.UNKNOWN);
        assertThat(AnswerChecker.equivalent("1000!", "1001!")).isNotEqualTo(Verdict.EQUAL);
    }

    @Test
    void exactArithmeticTellsApartLargeIntegersThatDoublesWouldMerge() {
        assertThat(AnswerChecker.equivalent("2^{64}", "18446744073709551616")).isEqualTo(Verdict.EQUAL);
        assertThat(AnswerChecker.equivalent("2^{64}", "18446744073709551617")).isEqualTo(Verdict.DIFFERENT);
    }

    @Test
    void unparsableAnswersAreUnknownUnlessTheyAreTheSameText() {
        assertThat(AnswerChecker.equivalent("}}}{{{", "}}}{{{")).isEqualTo(Verdict.EQUAL);
        assertThat(AnswerChecker.equivalent("}}}{{{", "5")).isEqualTo(Verdict.UNKNOWN);
        assertThat(AnswerChecker.equivalent(null, "5")).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void concurrentChecksAgreeWithSequentialOnes() throws Exception {
        List<String[]> pairs = List.of(new String[]{"\\frac{1}{2}", "0.5"}, new String[]{"x^2-1", "(x-1)(x+1)"},
                new String[]{"(0,9)", "[0,9)"}, new String[]{"\\{1,2\\}", "\\{2,1\\}"}, new String[]{"x \\le 5", "5 \\ge x"});
        List<Verdict> expected = pairs.stream().map(p -> AnswerChecker.equivalent(p[0], p[1])).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        int k = i % pairs.size();
                        if (AnswerChecker.equivalent(pairs.get(k)[0], pairs.get(k)[1]) != expected.get(k)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> f : runs) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
    }
}
