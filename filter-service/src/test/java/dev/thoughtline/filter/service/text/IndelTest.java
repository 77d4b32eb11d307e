package dev.thoughtline.filter.service.text;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class IndelTest {

    /** The textbook dynamic programme, for checking the bit-parallel one. */
    static int lcsSlow(String a, String b) {
        int[][] t = new int[a.length() + 1][b.length() + 1];
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                t[i][j] = a.charAt(i - 1) == b.charAt(j - 1) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        return t[a.length()][b.length()];
    }

    @Test
    void ratioIsWhatRapidfuzzRatioGivesOnKnownPairs() {
        // (|a| + |b| - indel distance) / (|a| + |b|) * 100
        assertThat(Indel.ratio("this is a test", "this is a test!")).isCloseTo(96.55, within(0.01));
        assertThat(Indel.ratio("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear")).isCloseTo(90.91, within(0.01));
        assertThat(Indel.ratio("kitten", "sitting")).isCloseTo(61.54, within(0.01));
        assertThat(Indel.ratio("", "")).isEqualTo(100);
        assertThat(Indel.ratio("abc", "")).isEqualTo(0);
        assertThat(Indel.ratio("same", "same")).isEqualTo(100);
    }

    @Test
    void bitParallelLcsAgreesWithTheDynamicProgrammeAcrossWordBoundaries() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int k = 0; k < 500; k++) {
            String a = random(rnd, rnd.nextInt(200));
            String b = rnd.nextBoolean() ? mutate(rnd, a) : random(rnd, rnd.nextInt(200));
            assertThat(Indel.lcs(a, b)).as(a + " / " + b).isEqualTo(lcsSlow(a, b));
        }
        // characters outside ASCII take the slow path of the mask table
        assertThat(Indel.lcs("naïve café ∑ x", "naive cafe ∑ y")).isEqualTo(lcsSlow("naïve café ∑ x", "naive cafe ∑ y"));
    }

    @Test
    void theCutoffOnlyRulesOutPairsBelowIt() {
        assertThat(Indel.ratio("a".repeat(10), "a".repeat(100), 90)).isZero();
        assertThat(Indel.ratio("kitten", "sitting", 60)).isCloseTo(61.54, within(0.01));
        assertThat(Indel.ratio("kitten", "sitting", 62)).isZero();
    }

    static String random(SplittableRandom rnd, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + rnd.nextInt(6)));
        }
        return b.toString();
    }

    static String mutate(SplittableRandom rnd, String s) {
        StringBuilder b = new StringBuilder(s);
        for (int e = 0; e < 1 + rnd.nextInt(10) && b.length() > 0; e++) {
            int at = rnd.nextInt(b.length());
            if (rnd.nextBoolean()) {
                b.deleteCharAt(at);
            } else {
                b.insert(at, (char) ('a' + rnd.nextInt(6)));
            }
        }
        return b.toString();
    }
}
