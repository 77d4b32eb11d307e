package dev.thoughtline.eval.service;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MetricsTest {

    /** C(n, k) exactly. */
    private static BigInteger binomial(int n, int k) {
        if (k < 0 || k > n) {
            return BigInteger.ZERO;
        }
        BigInteger r = BigInteger.ONE;
        for (int i = 1; i <= k; i++) {
            r = r.multiply(BigInteger.valueOf(n - k + i)).divide(BigInteger.valueOf(i));
        }
        return r;
    }

    @Test
    void passAtKEqualsTheClosedFormOneMinusTheShareOfAllWrongDraws() {
        for (int n = 1; n <= 40; n++) {
            for (int c = 0; c <= n; c++) {
                for (int k = 1; k <= n; k++) {
                    double exact = 1 - new java.math.BigDecimal(binomial(n - c, k))
                            .divide(new java.math.BigDecimal(binomial(n, k)), java.math.MathContext.DECIMAL64).doubleValue();
                    assertThat(Metrics.passAtK(n, c, k)).as("n=%d c=%d k=%d", n, c, k).isCloseTo(exact, within(1e-12));
                }
            }
        }
    }

    @Test
    void passAtKOnConstructedCases() {
        // 10 samples, 3 right: pass@1 is the plain share right; pass@10 is 1 as soon as one is right
        assertThat(Metrics.passAtK(10, 3, 1)).isCloseTo(0.3, within(1e-12));
        assertThat(Metrics.passAtK(10, 3, 10)).isEqualTo(1.0);
        assertThat(Metrics.passAtK(10, 0, 10)).isEqualTo(0.0);
        // 4 samples, 1 right, k = 2: 1 - C(3,2)/C(4,2) = 1 - 3/6
        assertThat(Metrics.passAtK(4, 1, 2)).isCloseTo(0.5, within(1e-12));
        // does not overflow where C(n, k) would
        assertThat(Metrics.passAtK(1000, 1, 500)).isCloseTo(0.5, within(1e-9));
        assertThat(Metrics.meanPassAtK(new int[]{0, 4, 1}, 4, 2)).isCloseTo((0 + 1 + 0.5) / 3, within(1e-12));
        assertThatThrownBy(() -> Metrics.passAtK(4, 1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void standardErrorIsTheSampleStandardDeviationOfRepeatAccuraciesOverRootK() {
        // 4 repeats over 10 items with 5, 7, 6, 8 right: accuracies 0.5, 0.7, 0.6, 0.8, mean 0.65;
        // squared deviations 0.0225 + 0.0025 + 0.0025 + 0.0225 = 0.05; variance 0.05 / 3; sd 0.129099; se sd / 2 = 0.0645497
        boolean[][] correct = new boolean[10][4];
        int[] right = {5, 7, 6, 8};
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i < right[r]; i++) {
                correct[(i * 3 + r) % 10][r] = true;
            }
        }
        double[] acc = Metrics.repeatAccuracies(correct, 4);
        assertThat(acc).containsExactly(new double[]{0.5, 0.7, 0.6, 0.8}, within(1e-12));
        assertThat(Metrics.mean(acc)).isCloseTo(0.65, within(1e-12));
        assertThat(Metrics.stdErr(acc)).isCloseTo(0.0645497, within(1e-7));
        assertThat(Metrics.stdErr(new double[]{0.4})).isNaN();
    }

    @Test
    void pairedDifferencesCountWinsAndGiveTheStandardErrorOfTheirMean() {
        Metrics.Paired p = Metrics.paired(new double[]{1, 1, 0.5, 0, 1}, new double[]{0, 1, 0, 0, 0.5});
        // differences 1, 0, 0.5, 0, 0.5: mean 0.4; deviations .6 -.4 .1 -.4 .1 -> squares .36 .16 .01 .16 .01 = .7; var .175
        assertThat(p.meanDifference()).isCloseTo(0.4, within(1e-12));
        assertThat(p.stdErr()).isCloseTo(Math.sqrt(0.175 / 5), within(1e-12));
        assertThat(p.aBetter()).isEqualTo(3);
        assertThat(p.bBetter()).isZero();
        assertThat(p.ties()).isEqualTo(2);
    }

    @Test
    void reportedKArePowersOfTwoAndTheNumberOfRepeats() {
        assertThat(Metrics.reportedK(1)).containsExactly(1);
        assertThat(Metrics.reportedK(10)).containsExactly(1, 2, 4, 8, 10);
        assertThat(Metrics.reportedK(16)).containsExactly(1, 2, 4, 8, 16);
    }
}
