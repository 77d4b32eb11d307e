package dev.thoughtline.eval.service;

import java.util.ArrayList;
import java.util.List;

/**
 * The statistics of an eval, as pure functions (definitions in the module README).
 *
 * <p>{@code correct[i][r]} says whether repeat {@code r} of item {@code i} was right; a sample that never came
 * back counts as wrong (and is counted as missing).
 */
public final class Metrics {

    private Metrics() {
    }

    /** A figure as reported: six decimals. */
    public static double round(double x) {
        return Math.round(x * 1_000_000) / 1_000_000.0;
    }

    /** The accuracy of each repeat: the share of items it got right. */
    public static double[] repeatAccuracies(boolean[][] correct, int repeats) {
        double[] acc = new double[repeats];
        if (correct.length == 0) {
            return acc;
        }
        for (int r = 0; r < repeats; r++) {
            int right = 0;
            for (boolean[] item : correct) {
                if (item[r]) {
                    right++;
                }
            }
            acc[r] = (double) right / correct.length;
        }
        return acc;
    }

    public static double mean(double[] xs) {
        double sum = 0;
        for (double x : xs) {
            sum += x;
        }
        return xs.length == 0 ? Double.NaN : sum / xs.length;
    }

    /** The sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
    public static double sampleStdDev(double[] xs) {
        if (xs.length < 2) {
            return Double.NaN;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }

    /** The standard error of a mean of {@code xs}: sample standard deviation over the square root of their number. */
    public static double stdErr(double[] xs) {
        return sampleStdDev(xs) / Math.sqrt(xs.length);
    }

    /**
     * The unbiased estimator of pass@k for one item with {@code n} samples of which {@code c} are right:
     * {@code 1 - C(n-c, k) / C(n, k)}, computed as a product so that it neither overflows nor loses precision.
     */
    public static double passAtK(int n, int c, int k) {
        if (k < 1 || k > n || c < 0 || c > n) {
            throw new IllegalArgumentException("pass@k needs 1 <= k <= n and 0 <= c <= n, got n=" + n + " c=" + c + " k=" + k);
        }
        if (n - c < k) {
            return 1.0;
        }
        double allWrong = 1.0;
        for (int j = n - c + 1; j <= n; j++) {
            allWrong *= 1.0 - (double) k / j;
        }
        return 1.0 - allWrong;
    }

    /** The k reported for {@code n} repeats: 1, 2, 4, 8, ... up to n, and n itself. */
    public static List<Integer> reportedK(int n) {
        List<Integer> ks = new ArrayList<>();
        for (int k = 1; k < n; k *= 2) {
            ks.add(k);
        }
        ks.add(n);
        return ks;
    }

    /** The benchmark's mean pass@k over items. */
    public static double meanPassAtK(int[] passes, int n, int k) {
        double sum = 0;
        for (int c : passes) {
            sum += passAtK(n, c, k);
        }
        return passes.length == 0 ? Double.NaN : sum / passes.length;
    }

    /** Paired differences of two runs on the same items: their mean and its standard error. */
    public record Paired(int items, double meanDifference, double stdErr, int aBetter, int bBetter, int ties) {
    }

    /** {@code a[i] - b[i]} per item (each a per-item pass rate), summarised. */
    public static Paired paired(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired differences need the same items");
        }
        double[] d = new double[a.length];
        int aBetter = 0;
        int bBetter = 0;
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
            if (d[i] > 0) {
                aBetter++;
            } else if (d[i] < 0) {
                bBetter++;
            }
        }
        return new Paired(a.length, mean(d), stdErr(d), aBetter, bBetter, a.length - aBetter - bBetter);
    }
}
