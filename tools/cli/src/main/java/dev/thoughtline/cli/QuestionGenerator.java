package dev.thoughtline.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Procedural math problems with computed answers, for the demo and for trying a recipe without a dataset: word
 * problems and exercises, each holding the arithmetic expression it asks about, its exact value as the answer (an
 * integer or {@code \frac{p}{q}}). The same seed gives the same problems.
 */
final class QuestionGenerator {

    /** A problem: its id, text and exact answer. */
    record Problem(String id, String text, String answer) {
    }

    private static final String[] NAMES = {"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"};
    private static final String[] THINGS = {"marbles", "stickers", "apples", "coins", "books", "stamps", "shells", "cards"};

    private QuestionGenerator() {
    }

    static List<Problem> generate(int count, long seed, String prefix) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Problem> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int a = 2 + r.nextInt(48);
            int b = 2 + r.nextInt(18);
            int c = 1 + r.nextInt(30);
            int d = 2 + r.nextInt(9);
            String name = NAMES[r.nextInt(NAMES.length)];
            String thing = THINGS[r.nextInt(THINGS.length)];
            String text;
            BigInteger[] value;
            switch (r.nextInt(6)) {
                case 0 -> {
                    text = "Compute " + a + " * " + b + " + " + c + ".";
                    value = frac((long) a * b + c, 1);
                }
                case 1 -> {
                    text = name + " has " + a + " " + thing + " and buys " + b + " packs of " + d + " more. How many " + thing
                            + " does " + name + " have now, that is, what is " + a + " + " + b + " * " + d + "?";
                    value = frac(a + (long) b * d, 1);
                }
                case 2 -> {
                    text = "Evaluate (" + a + " + " + b + ") * " + d + " - " + c + ".";
                    value = frac((long) (a + b) * d - c, 1);
                }
                case 3 -> {
                    text = "What is " + a + "^2 - " + b + "^2?";
                    value = frac((long) a * a - (long) b * b, 1);
                }
                case 4 -> {
                    text = "Find the value of " + a + " / " + d + " + " + c + " / " + b + " as a fraction in lowest terms.";
                    value = frac((long) a * b + (long) c * d, (long) d * b);
                }
                default -> {
                    int away = 1 + r.nextInt(a - 1);
                    text = name + " shares " + (a * d) + " " + thing + " equally among " + d + " friends, and each friend gives " + away
                            + " away. How many " + thing + " does each friend keep, that is, what is " + (a * d) + " / " + d + " - " + away + "?";
                    value = frac(a - away, 1);
                }
            }
            out.add(new Problem(prefix + "-" + seed + "-" + i, text, format(value)));
        }
        return out;
    }

    private static BigInteger[] frac(long n, long d) {
        BigInteger num = BigInteger.valueOf(n);
        BigInteger den = BigInteger.valueOf(d);
        BigInteger g = num.gcd(den);
        return new BigInteger[]{num.divide(g), den.divide(g)};
    }

    private static String format(BigInteger[] v) {
        return v[1].equals(BigInteger.ONE) ? v[0].toString() : "\\frac{" + v[0] + "}{" + v[1] + "}";
    }
}
